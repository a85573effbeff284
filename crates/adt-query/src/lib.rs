//! The Azure Digital Twins query language: parsing (errors carry line and position, as the
//! service's `SqlQueryError` does) and evaluation over any [`Graph`] of twins and relationships.
