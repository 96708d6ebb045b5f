using System.Runtime.CompilerServices;
using Traktor.Ecs.Net.Transport.WebSockets;

namespace Traktor.Ecs.Net.Web.Transport;

/// <summary>
/// The upgraded connection's stream as the server's WebSocket reads it, with every byte it reads scanned by the
/// channel's <see cref="ControlFrameBudget"/> first: a read that brings a frame past the budget fails, so the WebSocket
/// aborts before it answers or reads that frame, and the channel closes as a violation. Writes pass through.
/// </summary>
internal sealed class ControlFrameBudgetStream(Stream inner, ControlFrameBudget budget) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = inner.ReadAsync(buffer, cancellationToken);
        return read.IsCompletedSuccessfully ? new ValueTask<int>(Checked(buffer.Span[..read.Result], read.Result)) : ReadLaterAsync(read, buffer);
    }

    // Pooled: the WebSocket reads once per message, and a read that waits would otherwise allocate its state machine
    // (176 B a round trip, WebSocketTransportTests' steady-state allocation test).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadLaterAsync(ValueTask<int> pending, Memory<byte> buffer)
    {
        int read = await pending.ConfigureAwait(false);
        return Checked(buffer.Span[..read], read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = inner.Read(buffer);
        return Checked(buffer[..read], read);
    }

    private int Checked(ReadOnlySpan<byte> bytes, int read)
    {
        if (!budget.Scan(bytes)) throw new IOException("The peer sent more control frames than its budget allows.");
        return read;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
