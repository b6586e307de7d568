using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Microblog.TestApp;

/// <summary>
/// The app stand-in. Every POST is journaled (when MICROBLOG_TESTAPP_JOURNAL names a folder) before it is
/// answered, so a test can find a post applied twice even across instances and after a kill.
/// </summary>
public sealed class AppServer(AppSettings settings, string? journalFolder)
{
    private readonly ConcurrentDictionary<string, int> _requestIds = new(StringComparer.Ordinal);
    private readonly Lock _journalLock = new();
    private FileStream? _journal;
    private long _requests;
    private long _posts;
    private long _duplicates;
    private long _withoutId;

    public const string JournalVariable = "MICROBLOG_TESTAPP_JOURNAL";

    public async Task Run()
    {
        if (journalFolder is not null)
        {
            Directory.CreateDirectory(journalFolder);
            // Unbuffered: each post reaches the file in one write before its response is sent.
            _journal = new FileStream(Path.Combine(journalFolder, settings.Instance + ".posts"), FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        }

        await KestrelServing.Serve(settings.HttpPort, Handle, addresses =>
            Console.WriteLine($"{settings.Instance}: listening on {string.Join(' ', addresses)}, crate.hosts = {string.Join(' ', settings.CrateHosts)}, ready {(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds:F0} ms after start"),
            settings.Instance);
    }

    private async Task Handle(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var request = context.Request;
        context.Response.Headers["X-Served-By"] = settings.Instance;
        var method = HttpMethods.IsHead(request.Method) ? "GET" : request.Method;
        // The path as sent, not decoded: the health path may hold %XX, and haproxy asks for it as written in app.conf.
        var path = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget.Split('?', 2)[0];
        var (status, body, contentType) = (method, path) switch
        {
            ("GET", var p) when p == settings.HealthPath => (200, "ok\n", Text),
            ("GET", "/__stats") => (200, Json(Stats()), JsonType),
            ("GET", "/__crate") => (200, Json(await Crate()), JsonType),
            ("POST", "/posts") => await Post(context),
            ("GET", _) => (200, $"served-by {settings.Instance} port {settings.HttpPort}\n", Text),
            _ => (405, "method not allowed\n", Text),
        };

        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(request.Method))
        {
            // One write with a known length: Kestrel sends the head and the body together, no chunking.
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        }
    }

    private async Task<(int, string, string)> Post(HttpContext context)
    {
        var id = context.Request.Headers["X-Request-Id"] is [{ } value, ..] ? value : null;
        Interlocked.Increment(ref _posts);
        if (id is null)
        {
            Interlocked.Increment(ref _withoutId);
        }
        else if (_requestIds.AddOrUpdate(id, 1, (_, n) => n + 1) > 1)
        {
            Interlocked.Increment(ref _duplicates);
        }

        if (_journal is not null)
        {
            var line = Encoding.UTF8.GetBytes((id ?? "-") + "\n");
            lock (_journalLock)
            {
                _journal.Write(line);
            }
        }

        // The delay sits after the post is applied: the window where a lost answer tempts a proxy to resend.
        if (int.TryParse(context.Request.Query["delay_ms"], out var delay) && delay > 0)
        {
            await Task.Delay(Math.Min(delay, 10_000));
        }

        context.Response.Headers["X-Request-Id"] = id ?? "-";
        return (201, $"created {id ?? "-"} by {settings.Instance}\n", Text);
    }

    private object Stats() => new Dictionary<string, object>
    {
        ["instance"] = settings.Instance,
        ["port"] = settings.HttpPort,
        ["requests"] = Interlocked.Read(ref _requests),
        ["posts"] = Interlocked.Read(ref _posts),
        ["duplicates"] = Interlocked.Read(ref _duplicates),
        ["withoutId"] = Interlocked.Read(ref _withoutId),
    };

    private async Task<object> Crate()
    {
        var checks = settings.CrateHosts.Select(async entry =>
        {
            var (host, port) = AppSettings.SplitHost(entry);
            try
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await socket.ConnectAsync(new IPEndPoint(AppSettings.Resolve(host), port), timeout.Token);
                var (user, login) = await SignIn(host, port);
                return new Dictionary<string, object?> { ["node"] = entry, ["reachable"] = true, ["error"] = null, ["user"] = user, ["login"] = login };
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                var error = e is SocketException s ? s.SocketErrorCode.ToString() : "Timeout";
                return new Dictionary<string, object?> { ["node"] = entry, ["reachable"] = false, ["error"] = error };
            }
        });
        return new Dictionary<string, object>
        {
            ["instance"] = settings.Instance,
            ["crate"] = await Task.WhenAll(checks),
        };
    }

    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>Who CrateDB takes the app for, asked with the app's credentials: the user, or CrateDB's refusal.</summary>
    private async Task<(string? User, string? Login)> SignIn(string host, int port)
    {
        if (settings.CrateLogin is not { } login)
        {
            return (null, "no crate.user and crate.password in the app's config");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}/_sql")
        {
            Content = new StringContent("""{"stmt":"select current_user"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{login.User}:{login.Password}")));
        try
        {
            using var response = await Client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"{(int)response.StatusCode}: {body.Trim()}");
            }

            using var json = JsonDocument.Parse(body);
            return (json.RootElement.GetProperty("rows")[0][0].GetString(), "ok");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or IndexOutOfRangeException)
        {
            return (null, e.Message);
        }
    }

    private const string Text = "text/plain; charset=utf-8";

    private const string JsonType = "application/json";

    private static string Json(object value) => JsonSerializer.Serialize(value) + "\n";
}
