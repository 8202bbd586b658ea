//! Prints the Service API's OpenAPI document:
//! `cargo run --example openapi > docs/service-api.openapi.json`.

fn main() {
    let document = entra_connect::service_api::openapi::document();
    println!(
        "{}",
        serde_json::to_string_pretty(&document).expect("the document serialises")
    );
}
