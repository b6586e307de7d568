using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Microblog.Testing;

/// <summary>
/// Buffered HTTP/1.1 reads from one socket, keeping what was read past the current message. The load client
/// and the CrateDB double's server share it; each says what a connection closed too early means to it.
/// </summary>
internal sealed class SocketReader(Socket socket, int initialSize)
{
    private byte[] _buffer = new byte[initialSize];
    private int _start;
    private int _end;

    public int Buffered => _end - _start;

    /// <summary>Forgets whatever is buffered (a new request on a connection, or a body read to its close).</summary>
    public void Discard() => _start = _end;

    /// <summary>The text before the next <paramref name="terminator"/>, consumed with it; false when it has not arrived yet.</summary>
    public bool TryTake(ReadOnlySpan<byte> terminator, out string text)
    {
        var index = _buffer.AsSpan(_start, _end - _start).IndexOf(terminator);
        if (index < 0)
        {
            text = "";
            return false;
        }

        text = Encoding.Latin1.GetString(_buffer, _start, index);
        _start += index + terminator.Length;
        return true;
    }

    /// <summary>Reads what the socket has; false when the peer closed the connection.</summary>
    public async Task<bool> Fill(CancellationToken cancel)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancel);
        _end += read;
        return read > 0;
    }

    public async Task<string> ReadLine(Func<Exception> closed, CancellationToken cancel)
    {
        string line;
        while (!TryTake("\r\n"u8, out line))
        {
            if (!await Fill(cancel))
            {
                throw closed();
            }
        }

        return line;
    }

    public async Task<byte[]> ReadExactly(int count, Func<Exception> closed, CancellationToken cancel)
    {
        while (Buffered < count)
        {
            if (!await Fill(cancel))
            {
                throw closed();
            }
        }

        var bytes = _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        return bytes;
    }

    /// <summary>Passes over <paramref name="count"/> bytes without keeping them.</summary>
    public async Task Skip(int count, Func<Exception> closed, CancellationToken cancel)
    {
        while (Buffered < count)
        {
            count -= Buffered;
            Discard();
            if (!await Fill(cancel))
            {
                throw closed();
            }
        }

        _start += count;
    }

    /// <summary>A chunked body: each chunk handed to <paramref name="chunk"/> (size, reader), then the trailers skipped.</summary>
    public async Task ReadChunked(Func<string, Exception> badSize, Func<Exception> closed, Func<int, Task> chunk, CancellationToken cancel)
    {
        while (true)
        {
            var line = await ReadLine(closed, cancel);
            if (!int.TryParse(line.Split(';')[0].Trim(), NumberStyles.HexNumber, null, out var size) || size < 0)
            {
                throw badSize(line);
            }

            if (size == 0)
            {
                while ((await ReadLine(closed, cancel)).Length > 0)
                {
                }

                return;
            }

            await chunk(size);
            await ReadLine(closed, cancel);
        }
    }
}
