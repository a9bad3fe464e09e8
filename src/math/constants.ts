// Physical constants several core parts share (the simulator's delays, the TDOA estimator's).

/** Speed of light in vacuum (m/s); ground-wave and line-of-sight delays use it too. */
export const SPEED_OF_LIGHT_M_S = 299_792_458;
