using System.Net;

namespace Microblog.TestApp;

/// <summary>The rendered app config: `key = value` lines, `#` comments, unknown keys tolerated.</summary>
public sealed record AppSettings(string Instance, int HttpPort, string HealthPath, IReadOnlyList<string> CrateHosts)
{
    /// <summary>`crate.user` and `crate.password`: how the app signs in to CrateDB (HTTP Basic), when both are set.</summary>
    public (string User, string Password)? CrateLogin { get; init; }

    public static AppSettings Load(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var raw in File.ReadAllLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var eq = line.IndexOf('=');
            if (eq <= 0)
            {
                throw new FormatException($"{path}:{lineNumber}: expected `key = value`, got `{raw}`");
            }

            values[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }

        if (!values.TryGetValue("http_port", out var portText) || !int.TryParse(portText, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"{path}: `http_port` is missing or not a port");
        }

        var crate = values.TryGetValue("crate.hosts", out var hosts)
            ? hosts.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries)
            : [];
        return new AppSettings(
            values.GetValueOrDefault("instance") ?? $"app-{port}",
            port,
            values.GetValueOrDefault("health_path") ?? "/health",
            crate)
        {
            CrateLogin = values.TryGetValue("crate.user", out var user) && values.TryGetValue("crate.password", out var password) ? (user, password) : null,
        };
    }

    /// <summary>`host:port`, `[v6]:port`, or `http://host:port`, as crate.hosts may spell a node.</summary>
    public static (string Host, int Port) SplitHost(string entry)
    {
        var text = entry.Contains("://", StringComparison.Ordinal) ? new Uri(entry).Authority : entry;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port))
        {
            return (text.Trim('[', ']'), 4200);
        }

        return (text[..colon].Trim('[', ']'), port);
    }

    public static IPAddress Resolve(string host) =>
        IPAddress.TryParse(host, out var ip) ? ip : host == "localhost" ? IPAddress.Loopback : Dns.GetHostAddresses(host)[0];
}
