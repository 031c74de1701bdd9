use super::*;
use crate::json::parse;

#[test]
fn enable_key_rotation_takes_a_period_within_the_models_range() {
    // Model: RotationPeriodInDaysType is an integer, min 90, max 2560.
    let req: EnableKeyRotationRequest =
        parse(br#"{"KeyId":"k","RotationPeriodInDays":90}"#).unwrap();
    assert_eq!(req.rotation_period_in_days, Some(90));
    assert!(
        parse::<EnableKeyRotationRequest>(br#"{"KeyId":"k","RotationPeriodInDays":2560}"#).is_ok()
    );
    assert_eq!(
        parse::<EnableKeyRotationRequest>(br#"{"KeyId":"k","RotationPeriodInDays":89}"#)
            .unwrap_err()
            .message(),
        "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90"
    );
    assert_eq!(
        parse::<EnableKeyRotationRequest>(br#"{"KeyId":"k","RotationPeriodInDays":2561}"#)
            .unwrap_err()
            .message(),
        "1 validation error detected: Value '2561' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 2560"
    );
}

#[test]
fn every_rotation_request_requires_its_key_id() {
    // Model: KeyId is required in all five requests.
    assert!(parse::<EnableKeyRotationRequest>(b"{}").is_err());
    assert!(parse::<DisableKeyRotationRequest>(b"{}").is_err());
    assert!(parse::<GetKeyRotationStatusRequest>(b"{}").is_err());
    assert!(parse::<RotateKeyOnDemandRequest>(b"{}").is_err());
    assert!(parse::<ListKeyRotationsRequest>(b"{}").is_err());
}

#[test]
fn list_key_rotations_checks_include_key_material_and_paging() {
    let req: ListKeyRotationsRequest =
        parse(br#"{"KeyId":"k","IncludeKeyMaterial":"ALL_KEY_MATERIAL","Limit":2}"#).unwrap();
    assert_eq!(
        req.include_key_material(),
        IncludeKeyMaterial::AllKeyMaterial
    );
    let req: ListKeyRotationsRequest = parse(br#"{"KeyId":"k"}"#).unwrap();
    assert_eq!(
        req.include_key_material(),
        IncludeKeyMaterial::RotationsOnly
    );
    assert!(
        parse::<ListKeyRotationsRequest>(br#"{"KeyId":"k","IncludeKeyMaterial":"X"}"#).is_err()
    );
    assert!(parse::<ListKeyRotationsRequest>(br#"{"KeyId":"k","Limit":0}"#).is_err());
}
