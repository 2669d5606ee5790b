//! Stage 2, **run**: talking to the target. [`target`] is the target decided
//! once (base URL, client, transport settings); [`client`] sends a request
//! and returns the [`client::Exchange`]; [`session`] opens and ends ICWS
//! sessions; [`plan`] plans and shares the run's sessions; [`execute`] runs one case's request(s) on a prepared
//! [`execute::Runner`]; [`links`] loads a catalogue's icons as a browser
//! does. Nothing here judges a response or prints.

pub mod client;
pub mod execute;
pub mod links;
pub mod nearmiss;
pub mod plan;
pub mod session;
pub mod target;
