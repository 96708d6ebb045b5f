using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// <see cref="RetainedGraph"/> sees what a system keeps behind a delegate: the delegate's target, and every delegate of
/// a multicast one (failed before: a delegate stopped the walk, so a megabyte behind one counted as nothing), while the
/// closures of the test's own lambdas still stop it; and a pooled async box, which the next call of its method reuses,
/// does not lead it into that call.
/// </summary>
public sealed class RetainedGraphTests
{
    private const int Megabyte = 1 << 20;

    [Fact]
    public void A_leak_behind_a_delegates_target_is_counted()
    {
        var hidden = new List<byte[]> { new byte[Megabyte] };
        var root = new StrongBox<Action>(hidden.Clear); // a system's object holding a callback on another of its objects

        Assert.InRange(RetainedGraph.Bytes([root]), Megabyte, Megabyte + 1024);
    }

    [Fact]
    public void A_leak_behind_any_delegate_of_a_multicast_one_is_counted()
    {
        var hidden = new List<byte[]> { new byte[Megabyte] };
        var small = new List<byte[]>();
        // The leaking delegate first: a multicast delegate's Target is only its last one's.
        var root = new StrongBox<Action>((Action)Delegate.Combine((Action)hidden.Clear, (Action)small.Clear));
        Assert.Same(small, root.Value!.Target);

        Assert.InRange(RetainedGraph.Bytes([root]), Megabyte, Megabyte + 1024);
    }

    [Fact]
    public void A_delegate_counts_once_however_often_it_is_held()
    {
        var hidden = new List<byte[]> { new byte[Megabyte] };
        Action clear = hidden.Clear;
        var twice = new StrongBox<Action>((Action)Delegate.Combine(clear, clear));

        Assert.InRange(RetainedGraph.Bytes([new StrongBox<Action>(clear), twice]), Megabyte, Megabyte + 1024);
    }

    [Fact]
    public void A_closure_of_the_tests_own_lambda_stops_the_walk()
    {
        var testsOwn = new byte[Megabyte];
        var root = new StrongBox<Action>(() => GC.KeepAlive(testsOwn)); // as an event handler the test subscribed

        Assert.InRange(RetainedGraph.Bytes([root]), 1, 1024);
    }

    [Fact]
    public async Task A_pooled_async_box_that_now_runs_someone_elses_call_is_not_counted()
    {
        // The system's object keeps a finished receive's ValueTask, as a completed source keeps the box that awaited it
        // (ManagedWebSocket's receive runs on PoolingAsyncValueTaskMethodBuilder's boxes).
        var ours = new FedStream();
        using var ourSocket = WebSocket.CreateFromStream(ours, isServer: false, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
        var finished = ourSocket.ReceiveAsync(new byte[16].AsMemory(), CancellationToken.None);
        Assert.False(finished.IsCompleted);
        ours.Feed([0x82, 0x01, 0x2A]); // one binary message of one byte: the receive completes on this thread
        Assert.Equal(1, (await finished).Count); // completed, so on this thread: its box goes back to this thread's cache
        var root = new StrongBox<ValueTask<ValueWebSocketReceiveResult>>(finished);

        // Someone else's receive takes the box, into its megabyte, while it waits.
        var theirs = new FedStream();
        using var theirSocket = WebSocket.CreateFromStream(theirs, isServer: false, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
        var others = theirSocket.ReceiveAsync(new byte[Megabyte].AsMemory(), CancellationToken.None);
        Assert.Same(BoxOf(finished), BoxOf(others)); // the same box: the case under test happened

        // Failed before: 1,049,578 B (the walk went through the box into the other receive's buffer).
        Assert.InRange(RetainedGraph.Bytes([root]), 1, 1024);
        theirs.Feed([0x82, 0x01, 0x2A]);
        Assert.Equal(1, (await others).Count);
    }

    private static object? BoxOf<T>(ValueTask<T> task) =>
        typeof(ValueTask<T>).GetField("_obj", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(task);

    /// <summary>A stream whose reads wait until the test feeds them bytes; the continuation runs on the feeding thread.</summary>
    private sealed class FedStream : Stream
    {
        private TaskCompletionSource<int>? _read;
        private Memory<byte> _buffer;

        public void Feed(byte[] bytes)
        {
            bytes.CopyTo(_buffer);
            _read!.SetResult(bytes.Length);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _buffer = buffer;
            _read = new TaskCompletionSource<int>();
            return new ValueTask<int>(_read.Task);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) { }
    }
}
