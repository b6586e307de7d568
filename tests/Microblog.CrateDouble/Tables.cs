using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microblog.Testing;

namespace Microblog.CrateDouble;

/// <summary>
/// Just enough of tables to show what a user's grants let it do: CREATE TABLE, INSERT (rows counted) and
/// SELECT count(*), on this node alone (the double has no shards, no replication and no columns to speak of).
/// </summary>
public sealed partial class Tables
{
    private readonly ConcurrentDictionary<string, int> _rows = new(StringComparer.Ordinal);

    /// <summary>The answer to a table statement, or null when <paramref name="statement"/> is none.</summary>
    public HttpResponse? Run(string statement)
    {
        var text = statement.Trim().TrimEnd(';');
        if (CreatePattern().Match(text) is { Success: true } create)
        {
            var name = Table.Of(create.Groups["table"].Value).Name;
            return _rows.TryAdd(name, 0) ? Answer([], []) : Failure(409, 4093, $"Relation '{name}' already exists.");
        }

        if (InsertPattern().Match(text) is { Success: true } insert)
        {
            var name = Table.Of(insert.Groups["table"].Value).Name;
            var rows = Regex.Matches(insert.Groups["values"].Value, @"\([^)]*\)").Count;
            if (!_rows.ContainsKey(name))
            {
                return Unknown(name);
            }

            _rows.AddOrUpdate(name, rows, (_, n) => n + rows);
            return Answer([], [], rows);
        }

        if (CountPattern().Match(text) is { Success: true } count)
        {
            var name = Table.Of(count.Groups["table"].Value).Name;
            return _rows.TryGetValue(name, out var n) ? Answer(["count(*)"], [[n]]) : Unknown(name);
        }

        return null;
    }

    private static HttpResponse Unknown(string table) => Failure(404, 4041, $"Relation '{table}' unknown");

    private static HttpResponse Answer(string[] cols, IEnumerable<object[]> rows, int? rowcount = null)
    {
        var list = rows.ToList();
        return new HttpResponse(200, JsonSerializer.Serialize(new { cols, rows = list, rowcount = rowcount ?? (cols.Length == 0 ? 1 : list.Count), duration = 0 }) + "\n", "application/json");
    }

    private static HttpResponse Failure(int status, int code, string message) =>
        new(status, JsonSerializer.Serialize(new { error = new { message, code } }) + "\n", "application/json");

    [GeneratedRegex(@"^create table (?<table>[a-z_][a-z0-9_.]*)\s*\(.*\)$", RegexOptions.IgnoreCase)]
    private static partial Regex CreatePattern();

    [GeneratedRegex(@"^insert into (?<table>[a-z_][a-z0-9_.]*)\s*(\([^)]*\))?\s*values\s*(?<values>.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex InsertPattern();

    [GeneratedRegex(@"^select count\(\*\) from (?<table>[a-z_][a-z0-9_.]*)$", RegexOptions.IgnoreCase)]
    private static partial Regex CountPattern();
}
