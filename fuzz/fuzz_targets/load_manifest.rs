//! Any bytes, read as YAML, as JSON and as a Dockerfile, then checked by every rule: no panic, no hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_load::{load_bytes, Limits, Syntax};
use palisade_model::Inventory;

fuzz_target!(|bytes: &[u8]| {
    for syntax in [Syntax::Yaml, Syntax::Json, Syntax::Detect, Syntax::Dockerfile] {
        let loaded = load_bytes("fuzz", bytes, syntax, &Limits::default());
        let inventory = Inventory::from_objects(loaded.objects);
        let _ = palisade_rules::check(&inventory, &palisade_rules::Config::default());
    }
});
