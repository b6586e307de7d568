using System.Net;
using System.Text.RegularExpressions;

namespace Infra.Topology.Spec;

/// <summary>
/// The grammar of every stack-file value that reaches a shell command, a config file, a URL or a container. Each
/// check returns null for a good value, else what is wrong and what to write. The grammars are narrower than what
/// each consumer would accept, so that one value is safe in all of them (a shell, haproxy.cfg, nginx.conf,
/// supervisord.conf); the places that interpolate a value quote it as well.
/// </summary>
public static partial class Grammar
{
    /// <summary>A URL path of letters, digits, - . _ ~ and %XX escapes between slashes, and an optional query of key=value pairs.</summary>
    public static string? HealthCheckPath(string value) =>
        HealthPathPattern().IsMatch(value)
            ? null
            : $"\"{value}\" is not a usable health check path: write a URL path of letters, digits, '-', '.', '_', '~' and %XX escapes between '/', optionally ?key=value&key=value, e.g. /health";

    /// <summary>Docker's image reference grammar (distribution/reference): [registry[:port]/]path[:tag][@digest].</summary>
    public static string? ImageReference(string value) =>
        value.Length <= 255 && ImagePattern().IsMatch(value)
            ? null
            : $"\"{value}\" is not a Docker image reference: write [registry/]name[:tag][@sha256:digest] in lowercase, e.g. registry.example.com/microblog/app:1.0.0";

    /// <summary>A program and its arguments as supervisord runs them: words of path characters separated by single spaces.</summary>
    public static string? Command(string value) =>
        CommandPattern().IsMatch(value)
            ? null
            : $"\"{value}\" is not a usable command: write a program path and plain arguments (letters, digits and . _ / + : = , @ -) separated by single spaces, e.g. bin/app (no quotes, %, ; or line breaks: supervisord would read them)";

    /// <summary>A POSIX user name, as useradd accepts it by default.</summary>
    public static string? SshUser(string value) =>
        SshUserPattern().IsMatch(value)
            ? null
            : $"\"{value}\" is not a usable SSH user: write a lowercase user name (letters, digits, '_' and '-', starting with a letter or '_'), e.g. deploy";

    /// <summary>An absolute file path of letters, digits and . _ - /, with no `..`.</summary>
    public static string? AbsoluteFilePath(string value, string example) =>
        FilePathPattern().IsMatch(value) && !value.Split('/').Contains("..")
            ? null
            : $"\"{value}\" is not a usable path: write an absolute file path of letters, digits and . _ - /, e.g. {example}";

    /// <summary>
    /// A numeric user id with an optional group id (`10001` or `10001:10001`), as `docker run --user` and chown take it;
    /// numbers only, since a name would be looked up on the host, whose users are not the image's.
    /// </summary>
    public static string? UserId(string value) =>
        UserIdPattern().Match(value) is { Success: true } match
            && match.Groups.Values.Skip(1).Where(g => g.Success).All(g => ulong.Parse(g.Value, System.Globalization.CultureInfo.InvariantCulture) <= MaxId)
            ? null
            : $"\"{value}\" is not a user id: write the numeric uid[:gid] the app's image runs as (`docker image inspect -f '{{{{.Config.User}}}}' IMAGE`), e.g. \"10001:10001\"";

    /// <summary>The largest uid or gid Linux gives a user ((uid_t)-1 means "no change" to chown).</summary>
    private const ulong MaxId = 4294967294;

    /// <summary>A JVM heap size: a number with k, m or g.</summary>
    /// <summary>A count of instances (1 or more) or a share of a role (1% to 100%).</summary>
    public static string? MaxUnavailable(string value) =>
        (value.EndsWith('%') ? value[..^1] : value) is var number && int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && n >= 1 && (!value.EndsWith('%') || n <= 100)
            ? null
            : $"\"{value}\" is not how much of a role may be down at once: write a count of instances (1 or more) or a share of the role, from 1% to 100% (e.g. 25%)";

    public static string? HeapSize(string value) =>
        HeapPattern().IsMatch(value) ? null : $"\"{value}\" is not a heap size: write a number with k, m or g, e.g. 2g";

    /// <summary>ssh://user@host[:port], tcp://host:port or unix:///path, with a host that is an IP address or DNS name.</summary>
    public static string? DockerEndpoint(string value)
    {
        const string Write = "write ssh://user@host[:port], tcp://host:port or unix:///path, e.g. ssh://deploy@192.0.2.11";
        if (value.StartsWith("unix://", StringComparison.Ordinal))
        {
            return AbsoluteFilePath(value["unix://".Length..], "/var/run/docker.sock") is null ? null : $"\"{value}\" is not a Docker endpoint: {Write}";
        }

        var match = EndpointPattern().Match(value);
        if (!match.Success || !IsHost(match.Groups["host"].Value.Trim('[', ']'))
            || (match.Groups["user"].Success && SshUser(match.Groups["user"].Value) is not null)
            || (match.Groups["port"].Success && int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture) is < 1 or > 65535)
            || (match.Groups["scheme"].Value == "tcp" && !match.Groups["port"].Success))
        {
            return $"\"{value}\" is not a Docker endpoint: {Write}";
        }

        return null;
    }

    private static bool IsHost(string host) => IPAddress.TryParse(host, out _) || IsDnsName(host);

    /// <summary>A DNS name: labels of letters, digits and '-' (not at either end), 253 characters at most.</summary>
    public static bool IsDnsName(string value) => DnsNamePattern().IsMatch(value);

    [GeneratedRegex(@"^(/([A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})*)+(\?[A-Za-z0-9._~-]+=[A-Za-z0-9._~%-]*(&[A-Za-z0-9._~-]+=[A-Za-z0-9._~%-]*)*)?$")]
    private static partial Regex HealthPathPattern();

    // distribution/reference's grammar: domain (with optional port), path components of lowercase alphanumerics
    // joined by separators, an optional tag and an optional digest.
    [GeneratedRegex(
        @"^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?"
        + @"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*"
        + @"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$")]
    private static partial Regex ImagePattern();

    [GeneratedRegex(@"^[A-Za-z0-9._/+:=,@-]+( [A-Za-z0-9._/+:=,@-]+)*$")]
    private static partial Regex CommandPattern();

    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    private static partial Regex SshUserPattern();

    [GeneratedRegex("^/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$")]
    private static partial Regex FilePathPattern();

    [GeneratedRegex("^([0-9]{1,10})(?::([0-9]{1,10}))?$")]
    private static partial Regex UserIdPattern();

    [GeneratedRegex("^[0-9]+[kmgKMG]?$")]
    private static partial Regex HeapPattern();

    [GeneratedRegex(@"^(?<scheme>ssh|tcp)://(?:(?<user>[^@/]+)@)?(?<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?<port>[0-9]{1,5}))?$")]
    private static partial Regex EndpointPattern();

    [GeneratedRegex(@"^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")]
    private static partial Regex DnsNamePattern();
}
