//! FBA Inbound 2024-03-20 (`inbound_plans`, `inbound_operations`, `inbound_sku_details`,
//! `inbound_faults`): one row per plan holding the whole plan document, the operations its
//! asynchronous calls record, per-SKU prep and compliance details, and problems queued by the
//! control plane for the next operation of a kind.

use sqlx::AssertSqlSafe;

use super::{Conn, Store, StoreError, StoreTx, on_conn};

/// An inbound plan as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundPlanRow {
    /// The seller.
    pub seller_id: String,
    /// `wf...`.
    pub plan_id: String,
    /// ACTIVE, VOIDED, SHIPPED, ERRORED.
    pub status: String,
    /// The plan's name.
    pub name: String,
    /// Creation, epoch µs.
    pub created_at_us: i64,
    /// Last change, epoch µs.
    pub updated_at_us: i64,
    /// The plan document (JSON).
    pub doc: String,
}

const PLAN_COLUMNS: &str = "seller_id, plan_id, status, name, created_at, updated_at, doc";

type PlanTuple = (String, String, String, String, i64, i64, String);

fn plan_from(t: PlanTuple) -> InboundPlanRow {
    InboundPlanRow {
        seller_id: t.0,
        plan_id: t.1,
        status: t.2,
        name: t.3,
        created_at_us: t.4,
        updated_at_us: t.5,
        doc: t.6,
    }
}

/// An operation of an asynchronous inbound call.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundOperationRow {
    /// UUID.
    pub operation_id: String,
    /// The seller.
    pub seller_id: String,
    /// The plan it works on.
    pub plan_id: String,
    /// The operationId of the call.
    pub operation: String,
    /// IN_PROGRESS, SUCCESS, FAILED.
    pub status: String,
    /// JSON array of OperationProblem.
    pub problems: String,
    /// JSON: what the job applies.
    pub request: String,
    /// Creation, epoch µs.
    pub created_at_us: i64,
}

const OP_COLUMNS: &str =
    "operation_id, seller_id, plan_id, operation, status, problems, request, created_at";

type OpTuple = (String, String, String, String, String, String, String, i64);

fn op_from(t: OpTuple) -> InboundOperationRow {
    InboundOperationRow {
        operation_id: t.0,
        seller_id: t.1,
        plan_id: t.2,
        operation: t.3,
        status: t.4,
        problems: t.5,
        request: t.6,
        created_at_us: t.7,
    }
}

/// Prep and compliance details of one SKU in one marketplace (JSON documents).
#[derive(Debug, Clone, PartialEq)]
pub struct InboundSkuDetails {
    /// The SKU.
    pub msku: String,
    /// The prep details set by setPrepDetails.
    pub prep: Option<String>,
    /// The tax details set by updateItemComplianceDetails.
    pub compliance: Option<String>,
}

async fn get_plan(
    conn: Conn<'_>,
    seller_id: &str,
    plan_id: &str,
) -> Result<Option<InboundPlanRow>, StoreError> {
    let sql =
        format!("SELECT {PLAN_COLUMNS} FROM inbound_plans WHERE seller_id = $1 AND plan_id = $2");
    let row: Option<PlanTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(plan_id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(plan_from))
}

async fn get_op(
    conn: Conn<'_>,
    operation_id: &str,
) -> Result<Option<InboundOperationRow>, StoreError> {
    let sql = format!("SELECT {OP_COLUMNS} FROM inbound_operations WHERE operation_id = $1");
    let row: Option<OpTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(operation_id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(op_from))
}

impl Store {
    /// A seller's inbound plan.
    pub async fn get_inbound_plan(
        &self,
        seller_id: &str,
        plan_id: &str,
    ) -> Result<Option<InboundPlanRow>, StoreError> {
        get_plan(self.acquire().await?.conn(), seller_id, plan_id).await
    }

    /// A page of a seller's plans: those of `status` (all when `None`), ordered by creation
    /// (`by_update` false) or last update, ascending or `descending`, skipping `offset`.
    pub async fn list_inbound_plans(
        &self,
        seller_id: &str,
        status: Option<&str>,
        by_update: bool,
        descending: bool,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<InboundPlanRow>, StoreError> {
        let column = if by_update {
            "updated_at"
        } else {
            "created_at"
        };
        let dir = if descending { "DESC" } else { "ASC" };
        let filter = if status.is_some() {
            " AND status = $2"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {PLAN_COLUMNS} FROM inbound_plans WHERE seller_id = $1{filter} \
             ORDER BY {column} {dir}, plan_id {dir} LIMIT {limit} OFFSET {offset}"
        );
        let rows: Vec<PlanTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(seller_id);
            if let Some(s) = status {
                q = q.bind(s);
            }
            q.fetch_all(c).await?
        });
        Ok(rows.into_iter().map(plan_from).collect())
    }

    /// An operation (of any seller: the caller checks the seller).
    pub async fn get_inbound_operation(
        &self,
        operation_id: &str,
    ) -> Result<Option<InboundOperationRow>, StoreError> {
        get_op(self.acquire().await?.conn(), operation_id).await
    }

    /// The prep and compliance details of a seller's SKUs in a marketplace.
    pub async fn get_inbound_sku_details(
        &self,
        seller_id: &str,
        marketplace_id: &str,
        mskus: &[String],
    ) -> Result<Vec<InboundSkuDetails>, StoreError> {
        let mut out = vec![];
        let sql = "SELECT msku, prep, compliance FROM inbound_sku_details \
                   WHERE seller_id = $1 AND marketplace_id = $2 AND msku = $3";
        for msku in mskus {
            let row: Option<(String, Option<String>, Option<String>)> =
                on_conn!(self.acquire().await?.conn(), |c| {
                    sqlx::query_as(sql)
                        .bind(seller_id)
                        .bind(marketplace_id)
                        .bind(msku)
                        .fetch_optional(c)
                        .await?
                });
            if let Some((msku, prep, compliance)) = row {
                out.push(InboundSkuDetails {
                    msku,
                    prep,
                    compliance,
                });
            }
        }
        Ok(out)
    }

    /// Queues a problem for the seller's next operation `operation` (replacing one queued).
    pub async fn set_inbound_fault(
        &self,
        seller_id: &str,
        operation: &str,
        code: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO inbound_faults (seller_id, operation, code, message) \
                   VALUES ($1, $2, $3, $4) ON CONFLICT (seller_id, operation) \
                   DO UPDATE SET code = excluded.code, message = excluded.message";
        on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query(sql)
                .bind(seller_id)
                .bind(operation)
                .bind(code)
                .bind(message)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}

impl StoreTx {
    /// A seller's inbound plan, as this transaction sees it.
    pub async fn get_inbound_plan(
        &mut self,
        seller_id: &str,
        plan_id: &str,
    ) -> Result<Option<InboundPlanRow>, StoreError> {
        get_plan(self.conn(), seller_id, plan_id).await
    }

    /// Inserts a plan.
    pub async fn insert_inbound_plan(&mut self, r: &InboundPlanRow) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO inbound_plans ({PLAN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        );
        on_conn!(self.conn(), |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&r.seller_id)
                .bind(&r.plan_id)
                .bind(&r.status)
                .bind(&r.name)
                .bind(r.created_at_us)
                .bind(r.updated_at_us)
                .bind(&r.doc)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Replaces a plan's status, name and document.
    pub async fn update_inbound_plan(&mut self, r: &InboundPlanRow) -> Result<(), StoreError> {
        let sql = "UPDATE inbound_plans SET status = $3, name = $4, updated_at = $5, doc = $6 \
                   WHERE seller_id = $1 AND plan_id = $2";
        on_conn!(self.conn(), |c| {
            sqlx::query(sql)
                .bind(&r.seller_id)
                .bind(&r.plan_id)
                .bind(&r.status)
                .bind(&r.name)
                .bind(r.updated_at_us)
                .bind(&r.doc)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// An operation, as this transaction sees it.
    pub async fn get_inbound_operation(
        &mut self,
        operation_id: &str,
    ) -> Result<Option<InboundOperationRow>, StoreError> {
        get_op(self.conn(), operation_id).await
    }

    /// Records an operation.
    pub async fn insert_inbound_operation(
        &mut self,
        r: &InboundOperationRow,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO inbound_operations ({OP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        );
        on_conn!(self.conn(), |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&r.operation_id)
                .bind(&r.seller_id)
                .bind(&r.plan_id)
                .bind(&r.operation)
                .bind(&r.status)
                .bind(&r.problems)
                .bind(&r.request)
                .bind(r.created_at_us)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Sets an operation's outcome.
    pub async fn finish_inbound_operation(
        &mut self,
        operation_id: &str,
        status: &str,
        problems: &str,
    ) -> Result<(), StoreError> {
        let sql =
            "UPDATE inbound_operations SET status = $2, problems = $3 WHERE operation_id = $1";
        on_conn!(self.conn(), |c| {
            sqlx::query(sql)
                .bind(operation_id)
                .bind(status)
                .bind(problems)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Takes (and removes) the problem queued for the seller's next operation `operation`.
    pub async fn take_inbound_fault(
        &mut self,
        seller_id: &str,
        operation: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let sql =
            "SELECT code, message FROM inbound_faults WHERE seller_id = $1 AND operation = $2";
        let row: Option<(String, String)> = on_conn!(self.conn(), |c| {
            sqlx::query_as(sql)
                .bind(seller_id)
                .bind(operation)
                .fetch_optional(c)
                .await?
        });
        if row.is_some() {
            let sql = "DELETE FROM inbound_faults WHERE seller_id = $1 AND operation = $2";
            on_conn!(self.conn(), |c| {
                sqlx::query(sql)
                    .bind(seller_id)
                    .bind(operation)
                    .execute(c)
                    .await?;
            });
        }
        Ok(row)
    }

    /// Sets the prep details (`prep`) or the tax details (`compliance`) of a SKU.
    pub async fn set_inbound_sku_detail(
        &mut self,
        seller_id: &str,
        marketplace_id: &str,
        msku: &str,
        prep: Option<&str>,
        compliance: Option<&str>,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO inbound_sku_details (seller_id, marketplace_id, msku, prep, \
                   compliance) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (seller_id, marketplace_id, msku) DO UPDATE SET \
                   prep = COALESCE(excluded.prep, inbound_sku_details.prep), \
                   compliance = COALESCE(excluded.compliance, inbound_sku_details.compliance)";
        on_conn!(self.conn(), |c| {
            sqlx::query(sql)
                .bind(seller_id)
                .bind(marketplace_id)
                .bind(msku)
                .bind(prep)
                .bind(compliance)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}
