using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Traktor.Ecs.Net.Transport.WebSockets;

namespace Traktor.Ecs.Net.Web.Transport;

/// <summary>
/// The upgraded connection's stream as the server's WebSocket reads it, with every byte it reads scanned by the
/// channel's <see cref="WebSocketFrameBudget"/> first (control frames, frames per message): a read that brings a frame
/// past the budget fails, so the WebSocket aborts before it answers or reads that frame, and the channel closes as a
/// violation. Writes pass through.
/// </summary>
internal sealed class WebSocketFrameBudgetStream : Stream, IValueTaskSource<int>
{
    private readonly Stream _inner;
    private readonly WebSocketFrameBudget _budget;
    private readonly Action _onPendingCompleted;
    private ManualResetValueTaskSourceCore<int> _pendingRead; // a mutable struct: never readonly
    private ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter _pending;
    private Memory<byte> _pendingBuffer;

    public WebSocketFrameBudgetStream(Stream inner, WebSocketFrameBudget budget)
    {
        _inner = inner;
        _budget = budget;
        _onPendingCompleted = OnPendingCompleted;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = _inner.ReadAsync(buffer, cancellationToken);
        if (read.IsCompletedSuccessfully) return new ValueTask<int>(Checked(buffer.Span[..read.Result], read.Result));
        // The read waits: this stream completes it once the inner one has and its bytes are scanned. By hand, not as an
        // async method: a Debug build (the tests') compiles an async method's state machine as a class, allocated on
        // every call even under PoolingAsyncValueTaskMethodBuilder (104 B a round trip, WebSocketTransportTests'
        // steady-state allocation test; 0 B in Release). The WebSocket has one read outstanding at a time, so one
        // source serves them all.
        _pendingRead.Reset();
        _pendingBuffer = buffer;
        _pending = read.ConfigureAwait(false).GetAwaiter();
        _pending.UnsafeOnCompleted(_onPendingCompleted);
        return new ValueTask<int>(this, _pendingRead.Version);
    }

    private void OnPendingCompleted()
    {
        var pending = _pending;
        var buffer = _pendingBuffer;
        _pending = default;
        _pendingBuffer = default;
        int read;
        try
        {
            read = pending.GetResult();
            Checked(buffer.Span[..read], read);
        }
        catch (Exception e)
        {
            _pendingRead.SetException(e);
            return;
        }
        _pendingRead.SetResult(read);
    }

    int IValueTaskSource<int>.GetResult(short token) => _pendingRead.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _pendingRead.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _pendingRead.OnCompleted(continuation, state, token, flags);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = _inner.Read(buffer);
        return Checked(buffer[..read], read);
    }

    private int Checked(ReadOnlySpan<byte> bytes, int read)
    {
        if (!_budget.Scan(bytes)) throw new IOException($"The peer broke its frame budget: {_budget.Violation}.");
        return read;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => _inner.DisposeAsync();
}
