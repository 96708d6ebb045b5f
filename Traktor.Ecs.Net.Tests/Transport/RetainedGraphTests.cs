using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// <see cref="RetainedGraph"/> sees what a system keeps behind a delegate: the delegate's target, and every delegate of
/// a multicast one (failed before: a delegate stopped the walk, so a megabyte behind one counted as nothing), while the
/// closures of the test's own lambdas still stop it.
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
}
