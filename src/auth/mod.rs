//! Authentication primitives shared by the clients and the emulator.

pub mod hmac;
