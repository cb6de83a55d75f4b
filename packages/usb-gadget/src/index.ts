export { gadgetMachine } from './machine/machine.js';
export { createGadgetContext } from './model/context.js';
