//! Scenario files: the schema, loading with `--set` and `[params]`, validation, and errors
//! that name the file, line and field.

mod de;
mod expr;
mod load;
pub mod schema;
mod validate;

pub use de::closest;
pub use load::{LoadedScenario, ScenarioError, apply_set, load_scenario, parse_scenario};
pub use schema::*;
pub use validate::validate;
