//! Where tokens and sign-in records live in the browser, as configured (`cacheLocation`).

use super::transaction::{MemoryStorage, Storage, StorageError};
use crate::config::CacheLocation;

/// `sessionStorage` or `localStorage`.
#[derive(Debug, Clone)]
pub struct WebStorage(web_sys::Storage);

impl WebStorage {
    pub fn session() -> Result<Self, StorageError> {
        let window = web_sys::window().ok_or_else(|| StorageError("no window".to_owned()))?;
        match window.session_storage() {
            Ok(Some(s)) => Ok(Self(s)),
            _ => Err(StorageError(
                "sessionStorage is not available (private mode or disabled)".to_owned(),
            )),
        }
    }

    pub fn local() -> Result<Self, StorageError> {
        let window = web_sys::window().ok_or_else(|| StorageError("no window".to_owned()))?;
        match window.local_storage() {
            Ok(Some(s)) => Ok(Self(s)),
            _ => Err(StorageError(
                "localStorage is not available (private mode or disabled)".to_owned(),
            )),
        }
    }
}

impl Storage for WebStorage {
    fn get(&self, key: &str) -> Option<String> {
        self.0.get_item(key).ok().flatten()
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.0
            .set_item(key, value)
            .map_err(|_| StorageError("the browser's storage is full or disabled".to_owned()))
    }

    fn remove(&self, key: &str) {
        let _ = self.0.remove_item(key);
    }

    fn keys(&self) -> Vec<String> {
        let len = self.0.length().unwrap_or(0);
        (0..len)
            .filter_map(|i| self.0.key(i).ok().flatten())
            .collect()
    }
}

/// The storage a configuration chose.
#[derive(Debug, Clone)]
pub enum ConfiguredStorage {
    Web(WebStorage),
    Memory(MemoryStorage),
}

impl ConfiguredStorage {
    pub fn for_location(location: CacheLocation) -> Result<Self, StorageError> {
        Ok(match location {
            CacheLocation::SessionStorage => Self::Web(WebStorage::session()?),
            CacheLocation::LocalStorage => Self::Web(WebStorage::local()?),
            CacheLocation::Memory => Self::Memory(MemoryStorage::default()),
        })
    }
}

impl Storage for ConfiguredStorage {
    fn get(&self, key: &str) -> Option<String> {
        match self {
            Self::Web(s) => s.get(key),
            Self::Memory(s) => s.get(key),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        match self {
            Self::Web(s) => s.set(key, value),
            Self::Memory(s) => s.set(key, value),
        }
    }

    fn remove(&self, key: &str) {
        match self {
            Self::Web(s) => s.remove(key),
            Self::Memory(s) => s.remove(key),
        }
    }

    fn keys(&self) -> Vec<String> {
        match self {
            Self::Web(s) => s.keys(),
            Self::Memory(s) => s.keys(),
        }
    }
}
