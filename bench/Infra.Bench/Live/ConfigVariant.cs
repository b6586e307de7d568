using Infra.Bench.Growth;
using Infra.Topology.Configs;

namespace Infra.Bench.Live;

/// <summary>
/// A named rewrite of the rendered proxy configs. Each edit removes or replaces whole rendered lines and fails
/// loudly when the line is not there, so a renderer change cannot silently turn a variant into the rendered config.
/// </summary>
public sealed record ConfigVariant(string Name, string Label, string What, Func<RenderedFile, string> Apply)
{
    public static readonly ConfigVariant Rendered = new("rendered", "rendered chain", "the renderers' output, unchanged", f => f.Content);

    /// <summary>Upstream keep-alive off in nginx: its default, HTTP/1.0 and `Connection: close` to haproxy for every request.</summary>
    public static readonly ConfigVariant NoNginxKeepAlive = new(
        "no-nginx-keepalive", "rendered - nginx upstream keep-alive",
        "nginx.conf without `keepalive`, `keepalive_timeout`, `proxy_http_version 1.1`, `proxy_set_header Connection \"\"` (nginx's default proxying)",
        f => Footprint.KindOf(f) == "nginx.conf" ? NginxDefaultProxying(f.Content) : f.Content);

    /// <summary>haproxy (app hosts and load balancer) never reuses a server connection for another request.</summary>
    public static readonly ConfigVariant NoHaproxyReuse = new(
        "no-haproxy-reuse", "rendered - haproxy server-side reuse",
        "every haproxy.cfg with `http-reuse never` instead of `http-reuse safe`",
        f => IsHaproxy(f) ? Replace(f, "http-reuse safe", "http-reuse never") : f.Content);

    /// <summary>haproxy closes both sides after each response: no keep-alive towards clients (nginx, the LB) or servers.</summary>
    public static readonly ConfigVariant HaproxyClose = new(
        "haproxy-close", "rendered - haproxy keep-alive",
        "every haproxy.cfg with `option httpclose` and `http-reuse never` instead of `option http-keep-alive` and `http-reuse safe`",
        f => IsHaproxy(f) ? HaproxyNoReuse(f) : f.Content);

    public static readonly ConfigVariant NoAccessLogs = new(
        "no-access-logs", "rendered - per-request logs",
        "nginx `access_log off`, haproxy without `option httplog` / `log global` (health-check logs stay)",
        f => Footprint.KindOf(f) switch
        {
            "nginx.conf" => Replace(f, "access_log /dev/stdout;", "access_log off;"),
            "haproxy.cfg" or "lb/haproxy.cfg" => Replace(Remove(f.Content, f, "option httplog"), f, "log global", "no log"),
            _ => f.Content,
        });

    /// <summary>The naive chain: each proxy's plain proxying, no upstream keep-alive and no connection reuse anywhere.</summary>
    public static readonly ConfigVariant Naive = new(
        "naive", "naive chain",
        "nginx's default proxying (no upstream keep-alive) and every haproxy with `option httpclose`, `http-reuse never`",
        f => Footprint.KindOf(f) == "nginx.conf" ? NginxDefaultProxying(f.Content) : IsHaproxy(f) ? HaproxyNoReuse(f) : f.Content);

    /// <summary>Health checks only: no retries, no redispatch, no L7 retries; a failed request is the client's.</summary>
    public static readonly ConfigVariant ChecksOnly = new(
        "checks-only", "checks only",
        "every haproxy.cfg with `retries 0` and without `option redispatch`, `retry-on`, the retry-safe ACL and `disable-l7-retry` (checks unchanged)",
        f => IsHaproxy(f) ? ChecksOnlyEdit(f) : f.Content);

    /// <summary>The rendered config without closing the sessions of a server marked DOWN: what that setting buys.</summary>
    public static readonly ConfigVariant NoShutdownSessions = new(
        "no-shutdown-sessions", "rendered - on-marked-down shutdown-sessions",
        "every haproxy.cfg's `default-server` line without `on-marked-down shutdown-sessions`",
        f => IsHaproxy(f) ? StripSuffix(f, "default-server ", " on-marked-down shutdown-sessions") : f.Content);

    /// <summary>The detection and retry timings as they were before the failover tuning (issue 25): what the tuning buys.</summary>
    public static readonly ConfigVariant BeforeTuning = new(
        "before-tuning", "before the tuning",
        "every haproxy.cfg with `default-server inter 500 fall 2 rise 2 on-marked-down shutdown-sessions`, `timeout connect 1s`, `timeout check 2s` (the settings before the tuning)",
        f => IsHaproxy(f) ? BeforeTuningEdit(f) : f.Content);

    private static string BeforeTuningEdit(RenderedFile f)
    {
        var text = ReplacePrefixed(f.Content, f, "default-server ", "default-server inter 500 fall 2 rise 2 on-marked-down shutdown-sessions");
        text = ReplacePrefixed(text, f, "timeout connect ", "timeout connect 1s");
        return ReplacePrefixed(text, f, "timeout check ", "timeout check 2s");
    }

    /// <summary>Every line that starts with <paramref name="prefix"/> (after its indent) becomes <paramref name="with"/>, indent kept.</summary>
    private static string ReplacePrefixed(string text, RenderedFile f, string prefix, string with)
    {
        var lines = text.Split('\n');
        var hits = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (trimmed.StartsWith(prefix, StringComparison.Ordinal))
            {
                lines[i] = lines[i][..(lines[i].Length - trimmed.Length)] + with;
                hits++;
            }
        }

        return hits > 0 ? string.Join('\n', lines) : throw new InvalidOperationException($"{f.Host}/{f.Path} has no line starting `{prefix}`: the variant no longer matches the renderer");
    }

    private static string StripSuffix(RenderedFile f, string prefix, string suffix)
    {
        var lines = f.Content.Split('\n');
        var hits = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith(prefix, StringComparison.Ordinal) && lines[i].EndsWith(suffix, StringComparison.Ordinal))
            {
                lines[i] = lines[i][..^suffix.Length];
                hits++;
            }
        }

        return hits > 0 ? string.Join('\n', lines) : throw new InvalidOperationException($"{f.Host}/{f.Path} has no `{prefix}...{suffix}` line: the variant no longer matches the renderer");
    }

    private static bool IsHaproxy(RenderedFile f) => Footprint.KindOf(f) is "haproxy.cfg" or "lb/haproxy.cfg";

    private static string NginxDefaultProxying(string text)
    {
        foreach (var prefix in new[] { "keepalive ", "keepalive_timeout ", "proxy_http_version 1.1;", "proxy_set_header Connection \"\";" })
        {
            text = RemoveLines(text, prefix, "nginx.conf");
        }

        return text;
    }

    private static string HaproxyNoReuse(RenderedFile f) =>
        Replace(Replace(f, "option http-keep-alive", "option httpclose"), f, "http-reuse safe", "http-reuse never");

    private static string ChecksOnlyEdit(RenderedFile f)
    {
        var text = Replace(f, "retries 3", "retries 0");
        foreach (var prefix in new[] { "option redispatch", "retry-on ", "acl retry_safe ", "http-request disable-l7-retry " })
        {
            text = RemoveLines(text, prefix, f.Path);
        }

        return text;
    }

    private static string Replace(RenderedFile f, string line, string with) => Replace(f.Content, f, line, with);

    private static string Replace(string text, RenderedFile f, string line, string with)
    {
        var lines = text.Split('\n');
        var hits = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() == line)
            {
                lines[i] = lines[i][..lines[i].IndexOf(line, StringComparison.Ordinal)] + with;
                hits++;
            }
        }

        return hits > 0 ? string.Join('\n', lines) : throw new InvalidOperationException($"{f.Host}/{f.Path} has no line `{line}`: the variant no longer matches the renderer");
    }

    private static string Remove(string text, RenderedFile f, string line) => RemoveLines(text, line, $"{f.Host}/{f.Path}");

    private static string RemoveLines(string text, string prefix, string what)
    {
        var lines = text.Split('\n');
        var kept = lines.Where(l => !l.TrimStart().StartsWith(prefix, StringComparison.Ordinal)).ToList();
        return kept.Count < lines.Length ? string.Join('\n', kept) : throw new InvalidOperationException($"{what} has no line starting `{prefix}`: the variant no longer matches the renderer");
    }
}
