namespace Microblog.CrateDouble;

/// <summary>
/// Every statement a node received, one line each: `TIME NODE STATEMENT`, the time in UTC to the tenth of a microsecond,
/// so the lines of several nodes sort into the order the cluster received them (all nodes of a lab share one clock).
/// </summary>
public sealed class StatementLog(string path)
{
    public const string FileName = "statements.log";

    private readonly Lock _lock = new();

    public void Add(string node, string statement)
    {
        var line = $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffffZ} {node} {statement.ReplaceLineEndings(" ")}\n";
        lock (_lock)
        {
            File.AppendAllText(path, line);
        }
    }
}
