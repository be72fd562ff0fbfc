/** A message from the app itself (e.g. about Ctrl-C), shown in whichever frame is on screen. */
import { createContext } from 'react';

export const AppNotice = createContext<string | null>(null);
