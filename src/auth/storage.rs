//! Where tokens and sign-in records live: the [`Storage`] interface and its backends
//! (`sessionStorage`, `localStorage` or memory, as configured by `cacheLocation`).

use crate::config::CacheLocation;

/// A string key-value store: `sessionStorage`, `localStorage` or memory.
pub trait Storage {
    fn get(&self, key: &str) -> Option<String>;
    fn set(&self, key: &str, value: &str) -> Result<(), StorageError>;
    fn remove(&self, key: &str);
    fn keys(&self) -> Vec<String>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the browser refused to store sign-in data: {0}")]
pub struct StorageError(pub String);

/// A `Storage` in memory, for `cacheLocation: memory` and for tests.
#[derive(Debug, Clone, Default)]
pub struct MemoryStorage(std::rc::Rc<std::cell::RefCell<Vec<(String, String)>>>);

impl Storage for MemoryStorage {
    fn get(&self, key: &str) -> Option<String> {
        crate::sorted::get(&self.0.borrow(), key).cloned()
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        crate::sorted::upsert(&mut self.0.borrow_mut(), key.to_owned(), value.to_owned());
        Ok(())
    }

    fn remove(&self, key: &str) {
        self.0.borrow_mut().retain(|(k, _)| k != key);
    }

    fn keys(&self) -> Vec<String> {
        self.0.borrow().iter().map(|(k, _)| k.clone()).collect()
    }
}

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

/// Shared handles to a storage are storages too (the auth client holds `Rc<dyn Storage>`).
impl<T: Storage + ?Sized> Storage for std::rc::Rc<T> {
    fn get(&self, key: &str) -> Option<String> {
        (**self).get(key)
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        (**self).set(key, value)
    }

    fn remove(&self, key: &str) {
        (**self).remove(key)
    }

    fn keys(&self) -> Vec<String> {
        (**self).keys()
    }
}
