-- PIPL: an audience member without marketing consent is a breach, whatever the audience's rule.
select audiences.audience, audiences.customer_key
from {{ ref('audiences') }} as audiences
inner join {{ ref('customers') }} as customers using (customer_key)
where not customers.marketing_consent
