using System.Text.RegularExpressions;

namespace Microblog.CrateDouble;

/// <summary>A privilege type CrateDB grants (DQL, DML, DDL, AL) and where: the cluster (<see cref="Ident"/> null), a schema or a table.</summary>
public sealed record Grant(string Type, string Class, string? Ident);

/// <summary>
/// What a statement needs, read the way CrateDB's access control reads it, for the statements the double knows: SELECT
/// needs DQL on the tables it reads (sys.* included), INSERT DML, CREATE TABLE DDL on the schema, SET and RESET GLOBAL,
/// CREATE USER, GRANT and another user's ALTER USER need AL on the cluster, ALTER CLUSTER DECOMMISSION needs the superuser,
/// and `select current_user` nothing. A privilege granted on the cluster covers every schema and table, one on a schema
/// every table in it. https://cratedb.com/docs/crate/reference/en/latest/admin/privileges.html
/// </summary>
public static partial class Privileges
{
    /// <summary>What <paramref name="statement"/> (whitespace collapsed) needs: a privilege, the superuser, or nothing.</summary>
    public static (Grant? Needs, bool Superuser) Of(string statement, string user)
    {
        var text = statement.Trim().TrimEnd(';');
        if (Regex.IsMatch(text, @"^select current_user$", RegexOptions.IgnoreCase))
        {
            return (null, false);
        }

        if (DecommissionPattern().IsMatch(text))
        {
            return (null, true);
        }

        if (Regex.IsMatch(text, @"^(set|reset) global\b", RegexOptions.IgnoreCase) || Regex.IsMatch(text, @"^(create|drop) user\b", RegexOptions.IgnoreCase)
            || Regex.IsMatch(text, @"^grant\b", RegexOptions.IgnoreCase))
        {
            return (new Grant("AL", "CLUSTER", null), false);
        }

        if (AlterUserPattern().Match(text) is { Success: true } alter)
        {
            // A user may change their own password.
            return alter.Groups["name"].Value == user ? (null, false) : (new Grant("AL", "CLUSTER", null), false);
        }

        if (CreateTablePattern().Match(text) is { Success: true } create)
        {
            return (new Grant("DDL", "SCHEMA", Table.Of(create.Groups["table"].Value).Schema), false);
        }

        if (InsertPattern().Match(text) is { Success: true } insert)
        {
            return (new Grant("DML", "TABLE", Table.Of(insert.Groups["table"].Value).Name), false);
        }

        if (SelectFromPattern().Match(text) is { Success: true } select)
        {
            return (new Grant("DQL", "TABLE", Table.Of(select.Groups["table"].Value).Name), false);
        }

        return (null, false);
    }

    /// <summary>Whether <paramref name="grants"/> cover <paramref name="needs"/> (on the cluster, its schema, or itself).</summary>
    public static bool Covers(IEnumerable<Grant> grants, Grant needs) => grants.Any(g => g.Type == needs.Type && (
        g.Class == "CLUSTER"
        || (g.Class == "SCHEMA" && needs.Class == "SCHEMA" && g.Ident == needs.Ident)
        || (g.Class == "SCHEMA" && needs.Class == "TABLE" && g.Ident == Table.Of(needs.Ident!).Schema)
        || (g.Class == "TABLE" && needs.Class == "TABLE" && g.Ident == needs.Ident)));

    /// <summary>`GRANT DQL, DML ON SCHEMA doc TO microblog`, `GRANT AL TO admin`: the grants and the user they go to.</summary>
    public static (IReadOnlyList<Grant> Grants, string User)? ParseGrant(string statement)
    {
        var match = GrantPattern().Match(statement.Trim().TrimEnd(';'));
        if (!match.Success)
        {
            return null;
        }

        var cls = match.Groups["class"].Success ? match.Groups["class"].Value.ToUpperInvariant() : "CLUSTER";
        var ident = match.Groups["ident"].Success ? (cls == "TABLE" ? Table.Of(match.Groups["ident"].Value).Name : match.Groups["ident"].Value.ToLowerInvariant()) : null;
        var types = match.Groups["types"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(t => t.ToUpperInvariant()).ToList();
        if (types is ["ALL"] or ["ALL PRIVILEGES"])
        {
            types = ["DQL", "DML", "DDL"];
        }

        return (types.Select(t => new Grant(t, cls, ident)).ToList(), match.Groups["user"].Value);
    }

    /// <summary>The node an `ALTER CLUSTER DECOMMISSION` names: a SQL string literal, each quote in it doubled.</summary>
    public static string? DecommissionTarget(string statement) =>
        DecommissionPattern().Match(statement.Trim().TrimEnd(';')) is { Success: true } match ? match.Groups["literal"].Value.Replace("''", "'", StringComparison.Ordinal) : null;

    [GeneratedRegex(@"^alter cluster decommission '(?<literal>(?:[^']|'')*)'$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex DecommissionPattern();

    [GeneratedRegex(@"^alter user (?<name>[a-z_][a-z0-9_]*) set\b", RegexOptions.IgnoreCase)]
    private static partial Regex AlterUserPattern();

    [GeneratedRegex(@"^create table (?<table>[a-z_][a-z0-9_.]*)\s*\(", RegexOptions.IgnoreCase)]
    private static partial Regex CreateTablePattern();

    [GeneratedRegex(@"^insert into (?<table>[a-z_][a-z0-9_.]*)\b", RegexOptions.IgnoreCase)]
    private static partial Regex InsertPattern();

    [GeneratedRegex(@"^select .+? from (?<table>[a-z_][a-z0-9_.]*)\b", RegexOptions.IgnoreCase)]
    private static partial Regex SelectFromPattern();

    [GeneratedRegex(@"^grant (?<types>[a-z, ]+?)(?: on (?<class>schema|table) (?<ident>[a-z_][a-z0-9_.]*))? to (?<user>[a-z_][a-z0-9_]*)$", RegexOptions.IgnoreCase)]
    private static partial Regex GrantPattern();
}

/// <summary>A table name with its schema: `doc` when none is written, as CrateDB's default schema.</summary>
public sealed record Table(string Schema, string Relation)
{
    public string Name => $"{Schema}.{Relation}";

    public static Table Of(string name)
    {
        var lower = name.ToLowerInvariant();
        var dot = lower.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? new Table("doc", lower) : new Table(lower[..dot], lower[(dot + 1)..]);
    }
}
