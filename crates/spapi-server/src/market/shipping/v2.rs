//! Shipping v2 over the carrier world.
