// @tillkit/devices public API. Named exports only.
export {};
