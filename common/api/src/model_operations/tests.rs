use super::*;
#[test]
fn model_operations_are_exactly_the_models_operations_in_order() {
    let model: serde_json::Value = serde_json::from_str(crate::SERVICE_MODEL).unwrap();
    let mut names: Vec<&str> = model["operations"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(MODEL_OPERATIONS, names.as_slice());
}
