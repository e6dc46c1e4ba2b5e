//! Services v1 (`service_jobs`, `service_technicians`, `service_schedules`,
//! `service_reservations`, `service_uploads`): service jobs as their ServiceJob documents
//! beside the columns the filters need, the seller's technicians, the schedules of its service
//! stores, the reservations that take capacity from them and the document upload destinations
//! with their AES key and IV.

use sqlx::AssertSqlSafe;

use super::{Conn, Store, StoreError, StoreTx, on_conn};

/// A service job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceJobRow {
    /// Store id (0 before insertion).
    pub id: i64,
    /// The seller.
    pub seller_id: String,
    /// `serviceJobId`.
    pub service_job_id: String,
    /// `serviceOrderId`.
    pub service_order_id: String,
    /// The buyer order the service came with (`productOrderIds`).
    pub product_order_id: String,
    /// Marketplace.
    pub marketplace_id: String,
    /// The service store (`storeId`, also the capacity resource).
    pub store_id: String,
    /// `serviceJobStatus`.
    pub status: String,
    /// Creation, epoch µs.
    pub created_at_us: i64,
    /// Last change, epoch µs.
    pub updated_at_us: i64,
    /// Start of the ACTIVE appointment, epoch µs.
    pub schedule_start_us: Option<i64>,
    /// The ServiceJob document (JSON).
    pub doc: String,
}

const JOB_COLUMNS: &str = "id, seller_id, service_job_id, service_order_id, product_order_id, \
    marketplace_id, store_id, status, created_at, updated_at, schedule_start, doc";

type JobTuple = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    String,
);

fn job_from(t: JobTuple) -> ServiceJobRow {
    ServiceJobRow {
        id: t.0,
        seller_id: t.1,
        service_job_id: t.2,
        service_order_id: t.3,
        product_order_id: t.4,
        marketplace_id: t.5,
        store_id: t.6,
        status: t.7,
        created_at_us: t.8,
        updated_at_us: t.9,
        schedule_start_us: t.10,
        doc: t.11,
    }
}

/// A technician of a seller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechnicianRow {
    /// The seller.
    pub seller_id: String,
    /// The id used as `resourceId` in assignAppointmentResources.
    pub technician_id: String,
    /// Name.
    pub name: String,
    /// The skills (JSON array of strings).
    pub skills: String,
}

/// A reservation of a service store's capacity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationRow {
    /// The seller.
    pub seller_id: String,
    /// `reservationId`.
    pub reservation_id: String,
    /// The resource (service store).
    pub resource_id: String,
    /// `ReservationType`.
    pub kind: String,
    /// The AvailabilityRecord document (JSON).
    pub availability: String,
    /// Creation, epoch µs.
    pub created_at_us: i64,
    /// Last change, epoch µs.
    pub updated_at_us: i64,
}

const RES_COLUMNS: &str =
    "seller_id, reservation_id, resource_id, kind, availability, created_at, updated_at";

type ResTuple = (String, String, String, String, String, i64, i64);

fn res_from(t: ResTuple) -> ReservationRow {
    ReservationRow {
        seller_id: t.0,
        reservation_id: t.1,
        resource_id: t.2,
        kind: t.3,
        availability: t.4,
        created_at_us: t.5,
        updated_at_us: t.6,
    }
}

/// A service document upload destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceUploadRow {
    /// `uploadDestinationId` (also its `documents` row's id).
    pub upload_destination_id: String,
    /// The seller.
    pub seller_id: String,
    /// The declared content type (`PDF`, `JPEG`...).
    pub content_type: String,
    /// The declared length.
    pub content_length: i64,
    /// The AES-256 key, base64.
    pub aes_key: String,
    /// The CBC initialization vector, base64.
    pub aes_iv: String,
    /// Creation, epoch µs.
    pub created_at_us: i64,
}

async fn job_by_id(
    conn: Conn<'_>,
    seller_id: &str,
    service_job_id: &str,
) -> Result<Option<ServiceJobRow>, StoreError> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM service_jobs WHERE seller_id = $1 AND service_job_id = $2"
    );
    let row: Option<JobTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(service_job_id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(job_from))
}

async fn jobs_where(
    conn: Conn<'_>,
    filter: &str,
    binds: &[&str],
    ints: &[i64],
) -> Result<Vec<ServiceJobRow>, StoreError> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM service_jobs WHERE {filter} ORDER BY id");
    let rows: Vec<JobTuple> = on_conn!(conn, |c| {
        let mut q = sqlx::query_as(AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(*b);
        }
        for i in ints {
            q = q.bind(*i);
        }
        q.fetch_all(c).await?
    });
    Ok(rows.into_iter().map(job_from).collect())
}

impl Store {
    /// A seller's service job.
    pub async fn service_job(
        &self,
        seller_id: &str,
        service_job_id: &str,
    ) -> Result<Option<ServiceJobRow>, StoreError> {
        job_by_id(self.acquire().await?.conn(), seller_id, service_job_id).await
    }

    /// A seller's service jobs of a marketplace created (`by_update` false) or last changed
    /// (true) in `[from_us, to_us]`, in store order.
    pub async fn service_jobs_in_window(
        &self,
        seller_id: &str,
        marketplace_id: &str,
        by_update: bool,
        from_us: i64,
        to_us: i64,
    ) -> Result<Vec<ServiceJobRow>, StoreError> {
        let column = if by_update {
            "updated_at"
        } else {
            "created_at"
        };
        let filter =
            format!("seller_id = $1 AND marketplace_id = $2 AND {column} >= $3 AND {column} <= $4");
        jobs_where(
            self.acquire().await?.conn(),
            &filter,
            &[seller_id, marketplace_id],
            &[from_us, to_us],
        )
        .await
    }

    /// A seller's technicians, by id.
    pub async fn service_technicians(
        &self,
        seller_id: &str,
    ) -> Result<Vec<TechnicianRow>, StoreError> {
        technicians(self.acquire().await?.conn(), seller_id).await
    }

    /// The schedules document of a seller's service store, once set.
    pub async fn service_schedule(
        &self,
        seller_id: &str,
        resource_id: &str,
    ) -> Result<Option<String>, StoreError> {
        schedule(self.acquire().await?.conn(), seller_id, resource_id).await
    }

    /// The reservations of a seller's service store.
    pub async fn service_reservations_of(
        &self,
        seller_id: &str,
        resource_id: &str,
    ) -> Result<Vec<ReservationRow>, StoreError> {
        reservations_of(self.acquire().await?.conn(), seller_id, resource_id).await
    }

    /// The jobs of a seller's service store with an ACTIVE appointment starting in
    /// `[from_us, to_us)`.
    pub async fn service_jobs_scheduled(
        &self,
        seller_id: &str,
        store_id: &str,
        from_us: i64,
        to_us: i64,
    ) -> Result<Vec<ServiceJobRow>, StoreError> {
        jobs_where(
            self.acquire().await?.conn(),
            "seller_id = $1 AND store_id = $2 AND schedule_start >= $3 AND schedule_start < $4",
            &[seller_id, store_id],
            &[from_us, to_us],
        )
        .await
    }

    /// A seller's service upload destination.
    pub async fn service_upload(
        &self,
        seller_id: &str,
        upload_destination_id: &str,
    ) -> Result<Option<ServiceUploadRow>, StoreError> {
        let mut pc = self.acquire().await?;
        let row: Option<(String, String, String, i64, String, String, i64)> =
            on_conn!(pc.conn(), |c| {
                sqlx::query_as(
                    "SELECT upload_destination_id, seller_id, content_type, content_length, \
                     aes_key, aes_iv, created_at FROM service_uploads \
                     WHERE seller_id = $1 AND upload_destination_id = $2",
                )
                .bind(seller_id)
                .bind(upload_destination_id)
                .fetch_optional(c)
                .await?
            });
        Ok(row.map(|t| ServiceUploadRow {
            upload_destination_id: t.0,
            seller_id: t.1,
            content_type: t.2,
            content_length: t.3,
            aes_key: t.4,
            aes_iv: t.5,
            created_at_us: t.6,
        }))
    }
}

async fn technicians(conn: Conn<'_>, seller_id: &str) -> Result<Vec<TechnicianRow>, StoreError> {
    let rows: Vec<(String, String, String, String)> = on_conn!(conn, |c| {
        sqlx::query_as(
            "SELECT seller_id, technician_id, name, skills FROM service_technicians \
             WHERE seller_id = $1 ORDER BY technician_id",
        )
        .bind(seller_id)
        .fetch_all(c)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|t| TechnicianRow {
            seller_id: t.0,
            technician_id: t.1,
            name: t.2,
            skills: t.3,
        })
        .collect())
}

async fn schedule(
    conn: Conn<'_>,
    seller_id: &str,
    resource_id: &str,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = on_conn!(conn, |c| {
        sqlx::query_as(
            "SELECT schedules FROM service_schedules WHERE seller_id = $1 AND resource_id = $2",
        )
        .bind(seller_id)
        .bind(resource_id)
        .fetch_optional(c)
        .await?
    });
    Ok(row.map(|r| r.0))
}

async fn reservations_of(
    conn: Conn<'_>,
    seller_id: &str,
    resource_id: &str,
) -> Result<Vec<ReservationRow>, StoreError> {
    let sql = format!(
        "SELECT {RES_COLUMNS} FROM service_reservations WHERE seller_id = $1 \
         AND resource_id = $2 ORDER BY id"
    );
    let rows: Vec<ResTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(resource_id)
            .fetch_all(c)
            .await?
    });
    Ok(rows.into_iter().map(res_from).collect())
}

impl StoreTx {
    /// A seller's service job, as this transaction sees it.
    pub async fn service_job(
        &mut self,
        seller_id: &str,
        service_job_id: &str,
    ) -> Result<Option<ServiceJobRow>, StoreError> {
        job_by_id(self.conn(), seller_id, service_job_id).await
    }

    /// The seller's service jobs that came with buyer order `product_order_id`.
    pub async fn service_jobs_of_order(
        &mut self,
        seller_id: &str,
        product_order_id: &str,
    ) -> Result<Vec<ServiceJobRow>, StoreError> {
        jobs_where(
            self.conn(),
            "seller_id = $1 AND product_order_id = $2",
            &[seller_id, product_order_id],
            &[],
        )
        .await
    }

    /// The jobs of a seller's service store with an ACTIVE appointment starting in
    /// `[from_us, to_us)`, as this transaction sees them.
    pub async fn service_jobs_scheduled(
        &mut self,
        seller_id: &str,
        store_id: &str,
        from_us: i64,
        to_us: i64,
    ) -> Result<Vec<ServiceJobRow>, StoreError> {
        jobs_where(
            self.conn(),
            "seller_id = $1 AND store_id = $2 AND schedule_start >= $3 AND schedule_start < $4",
            &[seller_id, store_id],
            &[from_us, to_us],
        )
        .await
    }

    /// Inserts a service job; its store id.
    pub async fn insert_service_job(&mut self, r: &ServiceJobRow) -> Result<i64, StoreError> {
        let id: (i64,) = on_conn!(self.conn(), |c| {
            sqlx::query_as(
                "INSERT INTO service_jobs (seller_id, service_job_id, service_order_id, \
                 product_order_id, marketplace_id, store_id, status, created_at, updated_at, \
                 schedule_start, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 RETURNING id",
            )
            .bind(&r.seller_id)
            .bind(&r.service_job_id)
            .bind(&r.service_order_id)
            .bind(&r.product_order_id)
            .bind(&r.marketplace_id)
            .bind(&r.store_id)
            .bind(&r.status)
            .bind(r.created_at_us)
            .bind(r.updated_at_us)
            .bind(r.schedule_start_us)
            .bind(&r.doc)
            .fetch_one(c)
            .await?
        });
        Ok(id.0)
    }

    /// Writes a job's status, update time, scheduled start and document.
    pub async fn update_service_job(&mut self, r: &ServiceJobRow) -> Result<(), StoreError> {
        on_conn!(self.conn(), |c| {
            sqlx::query(
                "UPDATE service_jobs SET status = $3, updated_at = $4, schedule_start = $5, \
                 doc = $6 WHERE seller_id = $1 AND service_job_id = $2",
            )
            .bind(&r.seller_id)
            .bind(&r.service_job_id)
            .bind(&r.status)
            .bind(r.updated_at_us)
            .bind(r.schedule_start_us)
            .bind(&r.doc)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// A seller's technicians, by id.
    pub async fn service_technicians(
        &mut self,
        seller_id: &str,
    ) -> Result<Vec<TechnicianRow>, StoreError> {
        technicians(self.conn(), seller_id).await
    }

    /// Replaces a seller's technicians.
    pub async fn replace_service_technicians(
        &mut self,
        seller_id: &str,
        list: &[TechnicianRow],
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), |c| {
            sqlx::query("DELETE FROM service_technicians WHERE seller_id = $1")
                .bind(seller_id)
                .execute(&mut *c)
                .await?;
            for t in list {
                sqlx::query(
                    "INSERT INTO service_technicians (seller_id, technician_id, name, skills) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(seller_id)
                .bind(&t.technician_id)
                .bind(&t.name)
                .bind(&t.skills)
                .execute(&mut *c)
                .await?;
            }
        });
        Ok(())
    }

    /// The schedules document of a seller's service store, as this transaction sees it.
    pub async fn service_schedule(
        &mut self,
        seller_id: &str,
        resource_id: &str,
    ) -> Result<Option<String>, StoreError> {
        schedule(self.conn(), seller_id, resource_id).await
    }

    /// Sets the schedules document of a seller's service store.
    pub async fn put_service_schedule(
        &mut self,
        seller_id: &str,
        resource_id: &str,
        schedules: &str,
        now_us: i64,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), |c| {
            sqlx::query(
                "INSERT INTO service_schedules (seller_id, resource_id, schedules, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (seller_id, resource_id) \
                 DO UPDATE SET schedules = excluded.schedules, updated_at = excluded.updated_at",
            )
            .bind(seller_id)
            .bind(resource_id)
            .bind(schedules)
            .bind(now_us)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// The reservations of a seller's service store, as this transaction sees them.
    pub async fn service_reservations_of(
        &mut self,
        seller_id: &str,
        resource_id: &str,
    ) -> Result<Vec<ReservationRow>, StoreError> {
        reservations_of(self.conn(), seller_id, resource_id).await
    }

    /// A seller's reservation.
    pub async fn service_reservation(
        &mut self,
        seller_id: &str,
        reservation_id: &str,
    ) -> Result<Option<ReservationRow>, StoreError> {
        let sql = format!(
            "SELECT {RES_COLUMNS} FROM service_reservations WHERE seller_id = $1 \
             AND reservation_id = $2"
        );
        let row: Option<ResTuple> = on_conn!(self.conn(), |c| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(seller_id)
                .bind(reservation_id)
                .fetch_optional(c)
                .await?
        });
        Ok(row.map(res_from))
    }

    /// Inserts or replaces a reservation (by reservation id).
    pub async fn put_service_reservation(&mut self, r: &ReservationRow) -> Result<(), StoreError> {
        on_conn!(self.conn(), |c| {
            sqlx::query(
                "INSERT INTO service_reservations (seller_id, reservation_id, resource_id, kind, \
                 availability, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (reservation_id) DO UPDATE SET resource_id = excluded.resource_id, \
                 kind = excluded.kind, availability = excluded.availability, \
                 updated_at = excluded.updated_at",
            )
            .bind(&r.seller_id)
            .bind(&r.reservation_id)
            .bind(&r.resource_id)
            .bind(&r.kind)
            .bind(&r.availability)
            .bind(r.created_at_us)
            .bind(r.updated_at_us)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Deletes a seller's reservation; whether it existed.
    pub async fn delete_service_reservation(
        &mut self,
        seller_id: &str,
        reservation_id: &str,
    ) -> Result<bool, StoreError> {
        let n = on_conn!(self.conn(), |c| {
            sqlx::query(
                "DELETE FROM service_reservations WHERE seller_id = $1 AND reservation_id = $2",
            )
            .bind(seller_id)
            .bind(reservation_id)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(n > 0)
    }

    /// Records a service upload destination.
    pub async fn insert_service_upload(&mut self, r: &ServiceUploadRow) -> Result<(), StoreError> {
        on_conn!(self.conn(), |c| {
            sqlx::query(
                "INSERT INTO service_uploads (upload_destination_id, seller_id, content_type, \
                 content_length, aes_key, aes_iv, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&r.upload_destination_id)
            .bind(&r.seller_id)
            .bind(&r.content_type)
            .bind(r.content_length)
            .bind(&r.aes_key)
            .bind(&r.aes_iv)
            .bind(r.created_at_us)
            .execute(c)
            .await?;
        });
        Ok(())
    }
}
