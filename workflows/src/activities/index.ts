// The activities the worker registers: every export here is an activity.
export { consume } from './consume';
