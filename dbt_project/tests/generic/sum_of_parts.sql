{#- Count identity: `total` equals the sum of `parts` on every row (e.g. resolved = early + on deadline + overdue). -#}
{% test sum_of_parts(model, total, parts) %}
select *
from {{ model }}
where {{ total }} is distinct from ({{ parts | join(' + ') }})
{% endtest %}
