package ecomlake.sql;

import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CurrentUserContext$;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.ResolvedIdentifier;
import org.apache.spark.sql.catalyst.analysis.ResolvedPersistentView;
import org.apache.spark.sql.catalyst.analysis.ResolvedTable;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.HiveTableRelation;
import org.apache.spark.sql.catalyst.expressions.CallMethodViaReflection;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import scala.Option;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Rejects an analysed plan that touches a table, view or file outside the schemas open to the
 * connected user's role. The user is the one the Thrift Server authenticated for this connection:
 * it sets {@code CurrentUserContext.CURRENT_USER} from the Hive session around every statement
 * (SparkOperation.withLocalProperties), and no SQL or session setting can change it. Views, joins
 * and subqueries are seen through, because the analysed plan inlines them. A restricted role may
 * also run only read-only commands, so it cannot create a table or view over a closed location.
 */
final class AccessCheck extends AbstractFunction1<LogicalPlan, BoxedUnit> {
    /** Read-only commands (analysed class names); any other command is a write or DDL. */
    private static final Set<String> READ_ONLY_COMMANDS = Set.of(
            "SetCommand", "ResetCommand", "SetCatalogAndNamespace", "SetNamespaceCommand", "SetCatalogCommand",
            "ShowNamespaces", "ShowNamespacesCommand", "ShowTables", "ShowTablesCommand", "ShowTablesExtended",
            "ShowViews", "ShowColumns", "ShowColumnsCommand", "ShowFunctions", "ShowFunctionsCommand",
            "ShowCatalogsCommand", "ShowCurrentNamespaceCommand", "ShowTableProperties",
            "ShowTablePropertiesCommand", "DescribeRelation", "DescribeTableCommand", "DescribeColumn",
            "DescribeColumnCommand", "DescribeNamespace", "DescribeDatabaseCommand", "DescribeFunction",
            "DescribeFunctionCommand", "DescribeQueryCommand", "ExplainCommand");

    private static final AbstractFunction1<Expression, Object> IS_REFLECTION = new AbstractFunction1<>() {
        @Override
        public Object apply(Expression expression) {
            return expression instanceof CallMethodViaReflection;
        }
    };

    private final SparkSession session;

    AccessCheck(SparkSession session) {
        this.session = session;
    }

    @Override
    public BoxedUnit apply(LogicalPlan plan) {
        // No Thrift operation on this thread (server start-up): the default role, never more.
        String user = CurrentUserContext$.MODULE$.CURRENT_USER().get();
        String role = user == null ? Users.current().getProperty("default.role", "") : Users.role(user);
        Set<String> open = Users.openSchemas(role);
        if (open == null) {
            return BoxedUnit.UNIT;
        }
        Rule rule = new Rule(user, role, open);
        plan.foreachWithSubqueries(new AbstractFunction1<LogicalPlan, BoxedUnit>() {
            @Override
            public BoxedUnit apply(LogicalPlan node) {
                rule.check(node);
                return BoxedUnit.UNIT;
            }
        });
        return BoxedUnit.UNIT;
    }

    private final class Rule {
        private final String who;
        private final Set<String> open;

        Rule(String user, String role, Set<String> open) {
            this.who = "user " + user + " (role " + role + ")";
            this.open = open;
        }

        void check(LogicalPlan node) {
            if (node instanceof Command && !READ_ONLY_COMMANDS.contains(node.getClass().getSimpleName())) {
                throw deny("may only query, not run " + node.nodeName());
            }
            // reflect()/java_method() call static Java methods in the server, e.g. to read its files.
            for (Iterator<Expression> expressions = node.expressions().iterator(); expressions.hasNext(); ) {
                if (expressions.next().exists(IS_REFLECTION)) {
                    throw deny("may not call Java methods (reflect, java_method)");
                }
            }
            if (node instanceof LogicalRelation relation) {
                checkRelation(relation);
            } else if (node instanceof HiveTableRelation relation) {
                checkTable(relation.tableMeta().identifier());
            } else if (node instanceof DataSourceV2Relation relation) {
                if (relation.identifier().isEmpty()) {
                    throw deny("may not read " + relation.table().name() + ": only catalog tables are open");
                }
                checkIdentifier(relation.identifier().get());
            } else if (node instanceof ResolvedTable table) {
                checkIdentifier(table.identifier());
            } else if (node instanceof ResolvedPersistentView view) {
                checkIdentifier(view.identifier());
            } else if (node instanceof ResolvedIdentifier identifier) {
                checkIdentifier(identifier.identifier());
            }
            // v1 commands (DESCRIBE, SHOW COLUMNS, ...) name their table in a field.
            for (Iterator<Object> fields = node.productIterator(); fields.hasNext(); ) {
                Object field = fields.next();
                if (field instanceof Option<?> option && option.isDefined()) {
                    field = option.get();
                }
                if (field instanceof TableIdentifier table) {
                    checkTable(table);
                } else if (field instanceof CatalogTable table) {
                    checkTable(table.identifier());
                }
            }
        }

        private void checkRelation(LogicalRelation relation) {
            if (relation.catalogTable().isDefined()) {
                checkTable(relation.catalogTable().get().identifier());
            } else if (relation.relation() instanceof HadoopFsRelation files) {
                // Reads by path (`delta`.`/lake/...`, Delta's own log reads): only inside open schemas.
                for (Iterator<Path> roots = files.location().rootPaths().iterator(); roots.hasNext(); ) {
                    checkPath(roots.next());
                }
            } else {
                throw deny("may not read " + relation.relation() + ": only catalog tables are open");
            }
        }

        private void checkIdentifier(Identifier identifier) {
            String[] namespace = identifier.namespace();
            String schema = namespace.length == 1 ? namespace[0] : String.join(".", namespace);
            checkSchema(schema, schema + "." + identifier.name());
        }

        private void checkTable(TableIdentifier table) {
            String schema = table.database().isDefined()
                    ? table.database().get()
                    : session.sessionState().catalog().getCurrentDatabase();
            checkSchema(schema, schema + "." + table.table());
        }

        private void checkSchema(String schema, String what) {
            if (!open.contains(schema.toLowerCase())) {
                throw deny("may not read " + what + ": " + Users.reason(schema.toLowerCase()) + "; use "
                        + String.join(" or ", open));
            }
        }

        private void checkPath(Path path) {
            String lake = new Path(session.sparkContext().getConf().get("spark.sql.warehouse.dir")).toUri().getPath();
            String file = path.toUri().getPath();
            for (String schema : open) {
                String dir = lake + "/" + schema;
                if (file.equals(dir) || file.startsWith(dir + "/")) {
                    return;
                }
            }
            String schema = file.startsWith(lake + "/") ? file.substring(lake.length() + 1).split("/")[0] : null;
            if (schema == null) {
                throw deny("may not read files outside the lake (" + path + ")");
            }
            checkSchema(schema, schema + " files (" + path + ")");
        }

        private SecurityException deny(String what) {
            return new SecurityException(who + " " + what);
        }
    }
}
