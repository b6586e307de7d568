using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microblog.TestApp;

/// <summary>
/// Kestrel without the generic host: the same server, connections and keep-alive, at about half the start's CPU
/// (no DI container, configuration or console logger), since the live tests start dozens of instances. SIGTERM
/// stops it as the host would: no new connections, requests in flight answered, idle connections closed.
/// </summary>
public static class KestrelServing
{
    /// <summary>What the host allows a graceful stop before it gives up on requests in flight.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    public static async Task Serve(int port, RequestDelegate handler, Action<IReadOnlyList<string>> listening, string name)
    {
        var log = new WarningLog(name);
        var options = new KestrelServerOptions { AddServerHeader = false };
        // [::] taking IPv4 too (0.0.0.0 where the host has no IPv6): a stack may give an app host an IPv6 address.
        options.ListenAnyIP(port);
        using var server = new KestrelServer(Options.Create(options), new SocketTransportFactory(Options.Create(new SocketTransportOptions()), log), log);
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        await server.StartAsync(new Application(handler), CancellationToken.None);
        listening([.. server.Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Select(a => new Uri(a).Authority)]);
        await stop.Task;
        using var timeout = new CancellationTokenSource(StopTimeout);
        await server.StopAsync(timeout.Token);

        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.TrySetResult();
        }
    }

    private sealed class Application(RequestDelegate handler) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => handler(context);

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }

    /// <summary>Kestrel's warnings and errors on stderr, one line each; nothing per request.</summary>
    private sealed class WarningLog(string name) : ILoggerFactory, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Console.Error.WriteLine($"{name}: {logLevel.ToString().ToLowerInvariant()}: {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}");
            }
        }

        public void Dispose()
        {
        }
    }
}
