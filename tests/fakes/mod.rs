#![allow(dead_code)]
pub mod slack;
