using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Microblog.Testing;

public sealed record HttpRequest(string Method, string Target, string Version, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>The address the request came from.</summary>
    public IPAddress? Peer { get; init; }

    public string Path => Target.Split('?', 2)[0];

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public bool KeepAlive
    {
        get
        {
            var connection = Header("connection")?.ToLowerInvariant() ?? "";
            return Version == "HTTP/1.1" ? !connection.Contains("close") : connection.Contains("keep-alive");
        }
    }
}

public sealed record HttpResponse(int Status, string Body, string ContentType = "text/plain; charset=utf-8")
{
    /// <summary>Status line, headers and body in one buffer: split writes cause delayed-ACK stalls behind haproxy.</summary>
    public byte[] Encode(bool keepAlive, bool headOnly)
    {
        var body = Encoding.UTF8.GetBytes(Body);
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append(Status).Append(' ').Append(Reason(Status)).Append("\r\n");
        head.Append("Content-Type: ").Append(ContentType).Append("\r\n");
        head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        head.Append(keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
        var headBytes = Encoding.ASCII.GetBytes(head.ToString());
        if (headOnly)
        {
            return headBytes;
        }

        var all = new byte[headBytes.Length + body.Length];
        headBytes.CopyTo(all, 0);
        body.CopyTo(all, headBytes.Length);
        return all;
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        _ => "Status",
    };
}

/// <summary>
/// A small HTTP/1.1 server on a raw socket: keep-alive, Content-Length and chunked request bodies, one write
/// per response. The CrateDB double's: its HTTP port answers only the deployment's checks and the apps' sign-in,
/// and its transport and psql ports are raw listeners made here too. (The app stand-in is served by Kestrel.)
/// </summary>
public static class MiniHttpServer
{
    private const int MaxHead = 64 * 1024;
    private const int MaxBody = 1024 * 1024;

    public static Socket Listen(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // SO_REUSEADDR only (not .NET's ReuseAddress, which adds SO_REUSEPORT): a restarted instance may bind
        // past TIME_WAIT, but a second process on the same port still fails.
        socket.SetRawSocketOption(1, 2, BitConverter.GetBytes(1));
        socket.Bind(new IPEndPoint(address, port));
        socket.Listen(1024);
        return socket;
    }

    public static async Task Serve(Socket listener, Func<HttpRequest, Task<HttpResponse>> handler, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancel);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            client.NoDelay = true;
            _ = Task.Run(() => Connection(client, handler, cancel));
        }
    }

    private static async Task Connection(Socket client, Func<HttpRequest, Task<HttpResponse>> handler, CancellationToken cancel)
    {
        using var _ = client;
        var reader = new Reader(client);
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                var request = await ReadRequest(reader, cancel);
                if (request is null)
                {
                    return;
                }

                request = request with { Peer = (client.RemoteEndPoint as IPEndPoint)?.Address };

                HttpResponse response;
                try
                {
                    response = await handler(request);
                }
                catch (Exception e)
                {
                    response = new HttpResponse(500, e.Message + "\n");
                }

                var keepAlive = request.KeepAlive;
                await client.SendAsync(response.Encode(keepAlive, request.Method == "HEAD"), SocketFlags.None, cancel);
                if (!keepAlive)
                {
                    client.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }
        catch (BadRequest e)
        {
            try
            {
                await client.SendAsync(new HttpResponse(e.Status, e.Message + "\n").Encode(false, false), SocketFlags.None, cancel);
            }
            catch (Exception)
            {
                // the peer is gone; nothing to tell it
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private static async Task<HttpRequest?> ReadRequest(Reader reader, CancellationToken cancel)
    {
        var head = await reader.ReadHead(MaxHead, cancel);
        if (head is null)
        {
            return null;
        }

        var lines = head.Split("\r\n");
        var first = lines[0].Split(' ');
        if (first.Length != 3 || !first[2].StartsWith("HTTP/", StringComparison.Ordinal))
        {
            throw new BadRequest(400, "bad request line");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new BadRequest(400, "bad header line");
            }

            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        byte[] body = [];
        if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = await reader.ReadChunked(MaxBody, cancel);
        }
        else if (headers.TryGetValue("content-length", out var cl))
        {
            if (!int.TryParse(cl, out var length) || length < 0)
            {
                throw new BadRequest(400, "bad content-length");
            }

            if (length > MaxBody)
            {
                throw new BadRequest(413, "body too large");
            }

            body = await reader.ReadExactly(length, cancel);
        }

        return new HttpRequest(first[0], first[1], first[2], headers, body);
    }

    private sealed class BadRequest(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }

    /// <summary>The server's side of a connection: a request head, a body by length or chunked.</summary>
    private sealed class Reader(Socket socket)
    {
        private readonly SocketReader _reader = new(socket, 8192);

        public async Task<string?> ReadHead(int max, CancellationToken cancel)
        {
            string head;
            while (!_reader.TryTake("\r\n\r\n"u8, out head))
            {
                if (_reader.Buffered > max)
                {
                    throw new BadRequest(431, "request head too large");
                }

                if (!await _reader.Fill(cancel))
                {
                    return null;
                }
            }

            return head;
        }

        public Task<byte[]> ReadExactly(int count, CancellationToken cancel) =>
            _reader.ReadExactly(count, () => new IOException("connection closed inside a request body"), cancel);

        public async Task<byte[]> ReadChunked(int max, CancellationToken cancel)
        {
            using var body = new MemoryStream();
            await _reader.ReadChunked(
                _ => new BadRequest(400, "bad chunk size"),
                () => new IOException("connection closed inside a chunked body"),
                async size =>
                {
                    if (body.Length + size > max)
                    {
                        throw new BadRequest(413, "body too large");
                    }

                    body.Write(await ReadExactly(size, cancel));
                },
                cancel);
            return body.ToArray();
        }
    }
}
