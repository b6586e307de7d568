namespace Infra.Lab.Containers;

/// <summary>
/// A lock shared with other test processes on this machine (.NET takes an flock for FileShare.None), so two
/// runs neither build the same base image nor create and delete the same user at once.
/// </summary>
internal sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static FileLock Acquire(string path, TimeSpan limit)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (clock.Elapsed < limit)
            {
                Thread.Sleep(200);
            }
            catch (IOException e)
            {
                throw new TimeoutException($"gave up after {limit.TotalSeconds:F0} s waiting for the lock {path}, held by another test run", e);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
