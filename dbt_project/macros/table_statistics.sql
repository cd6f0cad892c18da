{#- Post-hook of every model (dbt_project.yml): a table dbt just built or changed gets its planner statistics at
    once. A table created by `create table as` has none until autovacuum samples it, so the models reading it in
    the same night were planned blind: at 3 years of history figures__checks took 14,8 s on a fresh figures__all
    and 0,17 s once it was analysed (nested loops chosen for a table assumed tiny). Views have no statistics.
    The rule is autovacuum's own, with the server's settings (analyse once more than autovacuum_analyze_threshold
    rows + autovacuum_analyze_scale_factor of the table changed since the last time: 50 + 10 % by default),
    applied at once whether or not autovacuum runs: a table never analysed (every one dbt has just created) always
    is, while an incremental fact that a night changes by a few thousand of its millions of rows is not sampled
    again every night (1,7 s for the dossier fact at 5 M records). The rows this transaction wrote count too
    (pg_stat_xact_user_tables: not yet in the table's totals). They reach the totals when the transaction
    commits, after its own analyse, so the night after a full build samples the big tables once more. -#}
{% macro analyze_built_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        do $analyze$ begin
            if exists (
                select
                from pg_stat_user_tables as total
                inner join pg_stat_xact_user_tables as this_transaction on total.relid = this_transaction.relid
                inner join pg_class as class on total.relid = class.oid
                where
                    total.relid = '{{ this }}'::regclass
                    and (
                        coalesce(total.last_analyze, total.last_autoanalyze) is null
                        or total.n_mod_since_analyze + this_transaction.n_tup_ins + this_transaction.n_tup_upd
                        + this_transaction.n_tup_del
                        > current_setting('autovacuum_analyze_threshold')::float8
                        + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(class.reltuples, 0)
                    )
            ) then
                analyze {{ this }};
            end if;
        end $analyze$
    {%- endif -%}
{%- endmacro %}


{#- Post-hook: an index named after the model and its columns, created when missing (a table dbt rebuilds is new
    each night; an incremental one keeps it). For the filters of incremental models and the delete of their
    delete+insert, which would otherwise read the whole table every night. -#}
{% macro ensure_index(columns) -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        create index if not exists {{ this.identifier ~ '__' ~ (columns | join('__')) }}
        on {{ this }} ({{ columns | join(', ') }})
    {%- endif -%}
{%- endmacro %}
