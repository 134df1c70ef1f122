//! What an operator sees of a running bot: Prometheus metrics, readiness of the database and
//! the platforms, and the logs' format. Counters are bumped where the work happens with one
//! short call each; this module only names them and renders them.

pub mod logs;
pub mod metrics;
pub mod ready;
