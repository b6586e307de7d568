using System.CommandLine;
using System.Globalization;

namespace Microblog.TestApp;

/// <summary>`Microblog.TestApp --load URL [options]`: the load client's command line; exit 2 with the usage on bad input.</summary>
public static class LoadCommand
{
    public const string Usage = "usage: Microblog.TestApp --load URL [--count N] [--concurrency N] [--seconds S] [--rate R] [--method GET|POST] " +
        "[--request-timeout-ms MS] [--id-prefix P] [--requests-log FILE] [--summary FILE] [--progress-every N] [--no-keepalive] [--no-stale-retry]";

    public static Task<int> Run(string[] args)
    {
        var url = new Option<Uri>("--load")
        {
            Description = "the URL every request asks for, http://host:port/path?query (host: an address or localhost)",
            Required = true,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp)
                {
                    return uri;
                }

                result.AddError($"--load: `{text}` is not an http:// URL");
                return null;
            },
        };
        var count = Int("--count", 1000, 0, "requests to send at most");
        var concurrency = Int("--concurrency", 8, 1, "connections, each sending one request at a time");
        var seconds = Double("--seconds", 60, "stop issuing requests after this long", positive: true);
        var rate = Double("--rate", 0, "requests per second over all connections; 0: as fast as answered", positive: false);
        var method = new Option<string>("--method")
        {
            Description = "GET, or POST (a JSON body)",
            DefaultValueFactory = _ => "GET",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (text.ToUpperInvariant() is "GET" or "POST")
                {
                    return text.ToUpperInvariant();
                }

                result.AddError($"--method: `{text}` is not GET or POST");
                return null;
            },
        };
        var timeout = Int("--request-timeout-ms", 10_000, 1, "each request's own limit, connect to last byte");
        var idPrefix = new Option<string>("--id-prefix") { Description = "X-Request-Id is PREFIX-<seq>", DefaultValueFactory = _ => Guid.NewGuid().ToString("N")[..8] };
        var requestsLog = new Option<string?>("--requests-log") { Description = "a CSV line per request: seq, start, latency, status, served by, id, error" };
        var summary = new Option<string?>("--summary") { Description = "the JSON summary, also printed on stdout, written whole to this file" };
        var progressEvery = Int("--progress-every", 100, 0, "a `progress N` line on stderr every N answers; 0: none");
        var noKeepAlive = new Option<bool>("--no-keepalive") { Description = "a new connection per request (Connection: close)" };
        var noStaleRetry = new Option<bool>("--no-stale-retry") { Description = "do not resend a GET once when a reused connection closes before any answer" };

        var root = new RootCommand("The live tests' load client: every request's status and latency, no hidden retries. " +
            "(`Microblog.TestApp <app.conf>` serves as one app instance instead.)")
        {
            url, count, concurrency, seconds, rate, method, timeout, idPrefix, requestsLog, summary, progressEvery, noKeepAlive, noStaleRetry,
        };
        root.SetAction((parse, _) =>
        {
            var verb = parse.GetValue(method)!;
            return LoadClient.Run(new LoadOptions(
                parse.GetValue(url)!,
                parse.GetValue(count),
                parse.GetValue(concurrency),
                parse.GetValue(seconds),
                parse.GetValue(rate),
                verb,
                parse.GetValue(timeout),
                parse.GetValue(idPrefix)!,
                KeepAlive: !parse.GetValue(noKeepAlive),
                StaleRetry: !parse.GetValue(noStaleRetry) && verb == "GET",
                parse.GetValue(requestsLog),
                parse.GetValue(summary),
                parse.GetValue(progressEvery)));
        });

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine($"error: {error.Message}");
            }

            Console.Error.WriteLine(Usage);
            return Task.FromResult(2);
        }

        return parsed.InvokeAsync();
    }

    private static Option<int> Int(string name, int fallback, int min, string description) =>
        Parsed(name, fallback, description, text => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min ? value : null,
            $"a whole number, at least {min}");

    private static Option<double> Double(string name, double fallback, string description, bool positive) =>
        Parsed(name, fallback, description,
            text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && (positive ? value > 0 : value >= 0) ? value : null,
            positive ? "a number above 0" : "a number, at least 0");

    /// <summary>Parsed and checked in one place: a validator would meet a value that did not convert.</summary>
    private static Option<T> Parsed<T>(string name, T fallback, string description, Func<string, T?> parse, string expected)
        where T : struct => new(name)
        {
            Description = description,
            DefaultValueFactory = _ => fallback,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (parse(text) is { } value)
                {
                    return value;
                }

                result.AddError($"{name}: `{text}` is not {expected}");
                return fallback;
            },
        };
}
