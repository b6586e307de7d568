using System.Text.RegularExpressions;

namespace Infra.Topology.Spec;

public static partial class Grammar
{
    /// <summary>An http(s) URL with a host that is an IP address or DNS name, an optional port, and a plain path and query.</summary>
    public static string? WebhookUrl(string value)
    {
        var match = WebhookPattern().Match(value);
        return match.Success && IsHost(match.Groups["host"].Value.Trim('[', ']'))
            && (!match.Groups["port"].Success || int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture) is >= 1 and <= 65535)
            ? null
            : $"\"{value}\" is not a usable webhook URL: write http(s)://host[:port]/path with a path of letters, digits and - . _ ~ / %XX (and an optional ?key=value query), e.g. https://alerts.example.com/microblog";
    }

    /// <summary>The apps' metrics path: the same grammar as the health check path.</summary>
    public static string? MetricsPath(string value) =>
        HealthPathPattern().IsMatch(value)
            ? null
            : $"\"{value}\" is not a usable metrics path: write a URL path of letters, digits, '-', '.', '_', '~' and %XX escapes between '/', e.g. /metrics";

    [GeneratedRegex(@"^https?://(?<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?<port>[0-9]{1,5}))?(/([A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})*)*(\?[A-Za-z0-9._~-]+=[A-Za-z0-9._~%-]*(&[A-Za-z0-9._~-]+=[A-Za-z0-9._~%-]*)*)?$")]
    private static partial Regex WebhookPattern();
}
