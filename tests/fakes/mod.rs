#![allow(dead_code)]
pub mod discord;
pub mod slack;
