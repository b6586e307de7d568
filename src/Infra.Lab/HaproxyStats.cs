namespace Infra.Lab;

/// <summary>
/// One row of haproxy's stats CSV: a frontend, a backend, or one server of a backend; with its count of retried
/// connections (`wretr`) and of requests sent to another server instead (`wredis`) since it started.
/// </summary>
public sealed record HaproxyRow(string Proxy, string Server, string Status, long Retries = 0, long Redispatches = 0)
{
    public bool IsServer => Server is not ("FRONTEND" or "BACKEND");

    public override string ToString() => $"{Proxy}/{Server} {Status}";
}

/// <summary>haproxy's own view of its servers, read from `/__haproxy_stats;csv` on the host itself.</summary>
public static class HaproxyStats
{
    public static IReadOnlyList<HaproxyRow> Parse(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines.FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal))
            ?? throw new FormatException("no CSV header in haproxy stats: " + csv[..Math.Min(200, csv.Length)]);
        var columns = header[2..].Split(',');
        int Column(string name) => Array.IndexOf(columns, name) is var i and >= 0 ? i : throw new FormatException($"no `{name}` column in haproxy stats");
        int px = Column("pxname"), sv = Column("svname"), status = Column("status"), retries = Column("wretr"), redispatches = Column("wredis");
        static long Count(string field) => long.TryParse(field, out var n) ? n : 0;
        return lines.Where(l => !l.StartsWith('#'))
            .Select(l => l.Split(','))
            .Where(f => f.Length > Math.Max(status, redispatches))
            .Select(f => new HaproxyRow(f[px], f[sv], f[status], Count(f[retries]), Count(f[redispatches])))
            .ToList();
    }

    public static async Task<IReadOnlyList<HaproxyRow>> Read(NetnsLab lab, LabHost host, string statsUrl)
    {
        var url = statsUrl.EndsWith(";csv", StringComparison.Ordinal) ? statsUrl : statsUrl + ";csv";
        var response = await lab.Get(host, url);
        if (response.Status != 200)
        {
            throw new InvalidOperationException($"{url} from {host.Name} answered {response.Status}");
        }

        return Parse(response.Body);
    }

    /// <summary>
    /// Waits until haproxy reports <paramref name="server"/> (a server name, any backend) in exactly <paramref name="status"/>:
    /// `UP` and `DOWN` are settled states, `UP 1/2` is still going down and `DOWN 1/2` still coming up.
    /// </summary>
    public static Task<TimeSpan> WaitFor(NetnsLab lab, LabHost host, string statsUrl, string server, string status, TimeSpan limit) =>
        WaitUntil(lab, host, statsUrl, rows => rows.Any(r => r.Server == server && r.Status == status),
            $"{server} {status} on {host.Name}'s haproxy", limit);

    /// <summary>Waits until every server of every backend is UP (haproxy starts them DOWN until `rise` checks pass).</summary>
    public static Task<TimeSpan> WaitAllUp(NetnsLab lab, LabHost host, string statsUrl, TimeSpan limit) =>
        WaitUntil(lab, host, statsUrl, rows => rows.Any(r => r.IsServer) && rows.Where(r => r.IsServer).All(r => r.Status == "UP"),
            $"every server UP on {host.Name}'s haproxy", limit);

    public static async Task<TimeSpan> WaitUntil(NetnsLab lab, LabHost host, string statsUrl, Func<IReadOnlyList<HaproxyRow>, bool> condition, string what, TimeSpan limit)
    {
        var last = "no answer yet";
        return await Bounded.Until(what, limit, async () =>
        {
            try
            {
                var rows = await Read(lab, host, statsUrl);
                last = string.Join(", ", rows.Where(r => r.IsServer));
                return condition(rows);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException or FormatException)
            {
                last = e.Message;
                return false;
            }
        }, pollMs: 100, lastSeen: () => last);
    }
}
