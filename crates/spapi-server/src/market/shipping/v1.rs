//! Shipping v1 over the carrier world.
