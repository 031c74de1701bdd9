//! The simulated PCR bank: 32 SHA-384 registers with the device's locking rules.

use std::collections::{BTreeMap, BTreeSet};

use crate::nsm::{BOOT_LOCKED_PCRS, MAX_PCRS, NsmErrorCode, PCR_LEN};
use nitro_kms_crypto as crypto;

/// One PCR value.
pub(crate) type PcrValue = [u8; PCR_LEN];

/// The 32 PCRs and their lock bits.
///
/// Every method returns the exact device error code on failure, so the simulator's answers can be
/// compared one-to-one with `/dev/nsm`'s.
#[derive(Debug, Clone)]
pub(crate) struct PcrBank {
    values: [PcrValue; MAX_PCRS as usize],
    locked: [bool; MAX_PCRS as usize],
}

impl PcrBank {
    /// The bank as the enclave finds it after boot: PCRs `0..16` hold the measurements in `boot`
    /// and are locked, `16..32` are zero and unlocked.
    pub(crate) fn boot(boot: &[PcrValue; BOOT_LOCKED_PCRS as usize]) -> Self {
        let mut values = [[0u8; PCR_LEN]; MAX_PCRS as usize];
        let mut locked = [false; MAX_PCRS as usize];
        for (i, value) in boot.iter().enumerate() {
            if let (Some(slot), Some(lock)) = (values.get_mut(i), locked.get_mut(i)) {
                *slot = *value;
                *lock = true;
            }
        }
        Self { values, locked }
    }

    fn slot(&self, index: u16) -> Result<(bool, &PcrValue), NsmErrorCode> {
        let i = usize::from(index);
        match (self.locked.get(i), self.values.get(i)) {
            (Some(locked), Some(value)) => Ok((*locked, value)),
            _ => Err(NsmErrorCode::InvalidIndex),
        }
    }

    /// `DescribePCR`: the lock bit and value of `index`.
    pub(crate) fn describe(&self, index: u16) -> Result<(bool, PcrValue), NsmErrorCode> {
        self.slot(index).map(|(locked, value)| (locked, *value))
    }

    /// `ExtendPCR`: `PCR = SHA-384(PCR || data)`, refused on a locked PCR.
    pub(crate) fn extend(&mut self, index: u16, data: &[u8]) -> Result<PcrValue, NsmErrorCode> {
        let (locked, old) = self.slot(index)?;
        if locked {
            return Err(NsmErrorCode::ReadOnlyIndex);
        }
        let new = crypto::sha384_concat(&[old, data]);
        let slot = self
            .values
            .get_mut(usize::from(index))
            .ok_or(NsmErrorCode::InvalidIndex)?;
        *slot = new;
        Ok(new)
    }

    /// `LockPCR`: makes `index` read-only; locking a locked PCR is refused like extending it.
    pub(crate) fn lock(&mut self, index: u16) -> Result<(), NsmErrorCode> {
        let (locked, _) = self.slot(index)?;
        if locked {
            return Err(NsmErrorCode::ReadOnlyIndex);
        }
        let bit = self
            .locked
            .get_mut(usize::from(index))
            .ok_or(NsmErrorCode::InvalidIndex)?;
        *bit = true;
        Ok(())
    }

    /// `LockPCRs`: locks `[0, range)`; PCRs already locked in that range are fine.
    pub(crate) fn lock_range(&mut self, range: u16) -> Result<(), NsmErrorCode> {
        if range > MAX_PCRS {
            return Err(NsmErrorCode::InvalidIndex);
        }
        for bit in self.locked.iter_mut().take(usize::from(range)) {
            *bit = true;
        }
        Ok(())
    }

    /// Indexes of the locked PCRs (`DescribeNSM`'s `locked_pcrs`).
    pub(crate) fn locked_set(&self) -> BTreeSet<u16> {
        (0..MAX_PCRS)
            .filter(|&i| self.locked.get(usize::from(i)) == Some(&true))
            .collect()
    }

    /// Index -> value of every locked PCR: what an attestation document's `pcrs` map carries.
    pub(crate) fn locked_values(&self) -> BTreeMap<u16, Vec<u8>> {
        (0..MAX_PCRS)
            .filter_map(|i| match self.slot(i) {
                Ok((true, value)) => Some((i, value.to_vec())),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booted() -> PcrBank {
        let mut boot = [[0u8; PCR_LEN]; BOOT_LOCKED_PCRS as usize];
        for (i, v) in boot.iter_mut().enumerate() {
            *v = [i as u8 + 1; PCR_LEN];
        }
        PcrBank::boot(&boot)
    }

    #[test]
    fn boot_locks_exactly_the_first_sixteen() {
        let bank = booted();
        assert_eq!(bank.locked_set(), (0..16).collect());
        assert_eq!(bank.describe(5).unwrap(), (true, [6; PCR_LEN]));
        assert_eq!(bank.describe(16).unwrap(), (false, [0; PCR_LEN]));
        assert_eq!(bank.describe(31).unwrap(), (false, [0; PCR_LEN]));
    }

    #[test]
    fn lock_range_of_zero_locks_nothing_and_of_max_locks_everything() {
        let mut bank = booted();
        bank.lock_range(0).unwrap();
        assert_eq!(bank.locked_set().len(), 16);
        bank.lock_range(MAX_PCRS).unwrap();
        assert_eq!(bank.locked_set(), (0..32).collect());
        assert_eq!(bank.locked_values().len(), 32);
    }
}
