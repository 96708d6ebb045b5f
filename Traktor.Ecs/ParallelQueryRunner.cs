namespace Traktor.Ecs;

/// <summary>Work done on one chunk by a parallel query; implemented by small structs so calls inline.</summary>
internal interface IChunkAction
{
    void Execute(ref Chunk chunk);
}

/// <summary>Type-erased access to a cached job holder, so worker threads can run it.</summary>
internal interface IChunkJob
{
    void Execute(ref Chunk chunk);

    /// <summary>Drops the callback after the query, so the holder does not keep a closure alive.</summary>
    void Reset();
}

/// <summary>
/// Runs a query's chunks on a fixed set of worker threads owned by one world (created on first use,
/// stopped when the world is disposed). The calling thread works too. Nothing is allocated per query
/// once the job holder for a callback type exists and the chunk list has grown to the world's size:
/// chunks are claimed with one interlocked increment each, the job lives in a holder object cached
/// per callback type, and the start/finish signals are reused.
/// </summary>
internal sealed class ParallelQueryRunner : IDisposable
{
    private readonly Thread[] workers;
    private readonly SemaphoreSlim start = new(0);
    private readonly ManualResetEventSlim finished = new(false);
    private readonly Dictionary<Type, object> holders = new();
    private Archetype[] chunkArchetypes = new Archetype[64];
    private int[] chunkIndexes = new int[64];
    private int chunkCount;
    private int nextChunk;
    private int pendingHelpers;
    private IChunkJob? job;
    private Exception? failure;
    private volatile bool stopping;
    private bool running;

    public ParallelQueryRunner(int workerCount)
    {
        workers = new Thread[workerCount];
        for (int i = 0; i < workerCount; i++)
        {
            workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"Traktor.Ecs parallel query {i + 1}" };
            workers[i].Start();
        }
    }

    /// <summary>The worker threads (they end after <see cref="Dispose"/>).</summary>
    internal IReadOnlyList<Thread> Workers => workers;

    /// <summary>The cached holder for a callback type; its <c>Action</c> field is set per query.</summary>
    public ChunkJob<TAction> Holder<TAction>()
        where TAction : struct, IChunkAction
    {
        if (!holders.TryGetValue(typeof(TAction), out var holder))
        {
            holder = new ChunkJob<TAction>();
            holders.Add(typeof(TAction), holder);
        }

        return (ChunkJob<TAction>)holder;
    }

    /// <summary>Runs <paramref name="work"/> over every non-empty chunk of the archetypes; returns when all are done.</summary>
    public void Run(IChunkJob work, ReadOnlySpan<Archetype> archetypes)
    {
        if (running)
        {
            throw new EcsException("A parallel query cannot start inside another parallel query of the same world.");
        }

        chunkCount = 0;
        foreach (var archetype in archetypes)
        {
            for (int c = 0; c < archetype.ChunkCount; c++)
            {
                if (chunkCount == chunkArchetypes.Length)
                {
                    Array.Resize(ref chunkArchetypes, chunkCount * 2);
                    Array.Resize(ref chunkIndexes, chunkCount * 2);
                }

                chunkArchetypes[chunkCount] = archetype;
                chunkIndexes[chunkCount++] = c;
            }
        }

        if (chunkCount == 0)
        {
            return;
        }

        running = true;
        job = work;
        failure = null;
        nextChunk = 0;
        int helpers = Math.Min(workers.Length, chunkCount - 1);
        try
        {
            if (helpers > 0)
            {
                finished.Reset();
                Volatile.Write(ref pendingHelpers, helpers);
                start.Release(helpers);
            }

            Drain();
            if (helpers > 0)
            {
                finished.Wait();
            }
        }
        finally
        {
            job = null;
            running = false;
            Array.Clear(chunkArchetypes, 0, chunkCount);
        }

        if (failure is { } error)
        {
            failure = null;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    public void Dispose()
    {
        stopping = true;
        if (workers.Length > 0)
        {
            start.Release(workers.Length);
        }
    }

    private void WorkerLoop()
    {
        while (true)
        {
            start.Wait();
            if (stopping)
            {
                return;
            }

            Drain();
            if (Interlocked.Decrement(ref pendingHelpers) == 0)
            {
                finished.Set();
            }
        }
    }

    private void Drain()
    {
        var work = job!;
        int index;
        while ((index = Interlocked.Increment(ref nextChunk) - 1) < chunkCount)
        {
            try
            {
                work.Execute(ref chunkArchetypes[index].ChunkArray[chunkIndexes[index]]);
            }
            catch (Exception error)
            {
                // The first failure is rethrown on the calling thread; the other chunks still run.
                Interlocked.CompareExchange(ref failure, error, null);
            }
        }
    }
}

/// <summary>The holder of one callback type's job: reused by every parallel query with that callback type.</summary>
/// <typeparam name="TAction">The per-chunk work.</typeparam>
internal sealed class ChunkJob<TAction> : IChunkJob
    where TAction : struct, IChunkAction
{
    public TAction Action;

    public void Reset() => Action = default;

    public void Execute(ref Chunk chunk)
    {
        // Each chunk runs on its own copy, so callback state is never written by two threads at once.
        var action = Action;
        action.Execute(ref chunk);
    }
}
