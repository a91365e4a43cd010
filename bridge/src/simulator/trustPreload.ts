// For `node --import ./bridge/src/simulator/trustPreload.ts`: trust the simulator before Baileys connects.
import { trustSimulatorRoot } from './trustSimulatorRoot.ts';

trustSimulatorRoot();
