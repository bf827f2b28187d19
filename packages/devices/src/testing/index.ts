// @tillkit/devices/testing: emulators and simulators for tests and demos.
export {};
