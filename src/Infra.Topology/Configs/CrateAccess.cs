namespace Infra.Topology.Configs;

/// <summary>
/// Who the apps are to CrateDB: one user, with the privileges an app needs on its own schema and nothing
/// cluster-wide (no user management, no cluster settings). Its password is the stack's secret
/// <see cref="Spec.Secrets.CratePasswordKey"/>. Privileges: https://cratedb.com/docs/crate/reference/en/latest/admin/privileges.html
/// </summary>
public static class CrateAccess
{
    public const string User = "microblog";

    /// <summary>CrateDB's default schema, where the app's tables live.</summary>
    public const string Schema = "doc";

    /// <summary>Read (DQL), write (DML) and create or alter its own tables (DDL), on <see cref="Schema"/> only.</summary>
    public const string Privileges = "DQL, DML, DDL";
}
