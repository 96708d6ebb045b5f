namespace Traktor.Ecs;

public sealed partial class World
{
    private ParallelQueryRunner? parallelRunner;
    private RunnerStopper? runnerStopper;

    /// <summary>
    /// The number of threads a parallel query uses, the calling thread included (default: one per
    /// processor). Set it before the first parallel query; later changes are ignored.
    /// </summary>
    public int ParallelQueryThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Calls <paramref name="forEach"/> for every matching entity, chunks spread over worker threads.</summary>
    /// <param name="description">What to match.</param>
    /// <param name="forEach">The callback; it runs on several threads at once. Structural changes inside it throw.</param>
    public void ParallelQuery(in QueryDescription description, ForEach forEach)
    {
        var holder = ParallelRunner.Holder<EntityAction>();
        holder.Action = new EntityAction(forEach);
        RunParallel(in description, holder);
    }

    /// <summary>Runs a struct callback for every matching entity, chunks spread over worker threads.</summary>
    /// <typeparam name="TForEach">The callback struct; each chunk runs on its own copy.</typeparam>
    /// <param name="description">What to match.</param>
    public void InlineParallelQuery<TForEach>(in QueryDescription description)
        where TForEach : struct, IForEach
    {
        var forEach = default(TForEach);
        InlineParallelQuery(in description, ref forEach);
    }

    /// <summary>Runs a struct callback for every matching entity, chunks spread over worker threads.</summary>
    /// <typeparam name="TForEach">The callback struct; each chunk runs on its own copy, so state it writes is not returned.</typeparam>
    /// <param name="description">What to match.</param>
    /// <param name="iterator">The callback's initial state.</param>
    public void InlineParallelQuery<TForEach>(in QueryDescription description, ref TForEach iterator)
        where TForEach : struct, IForEach
    {
        var holder = ParallelRunner.Holder<InlineEntityAction<TForEach>>();
        holder.Action = new InlineEntityAction<TForEach>(iterator);
        RunParallel(in description, holder);
    }

    private ParallelQueryRunner ParallelRunner
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (parallelRunner is null)
            {
                parallelRunner = new ParallelQueryRunner(Math.Max(0, ParallelQueryThreads - 1));
                runnerStopper = new RunnerStopper(parallelRunner);
            }

            return parallelRunner;
        }
    }

    /// <summary>The worker pool, once a parallel query has created it (for tests).</summary>
    internal ParallelQueryRunner? ParallelRunnerIfCreated => parallelRunner;

    /// <summary>Stops the runner's threads at once; they would otherwise outlive a world dropped without Dispose.</summary>
    private void StopParallelRunner()
    {
        parallelRunner?.Dispose();
        if (runnerStopper is not null)
        {
            GC.SuppressFinalize(runnerStopper);
        }
    }

    private void RunParallel(in QueryDescription description, IChunkJob job)
    {
        var query = Query(in description);
        EnterIteration();
        parallelDepth++;
        try
        {
            parallelRunner!.Run(job, query.Archetypes);
        }
        finally
        {
            job.Reset();
            parallelDepth--;
            ExitIteration();
        }
    }

    /// <summary>
    /// Referenced only by the world, so it is finalized when a world is dropped without Dispose; then it
    /// stops the worker threads, which reference the runner but not the world.
    /// </summary>
    private sealed class RunnerStopper(ParallelQueryRunner runner)
    {
        ~RunnerStopper() => runner.Dispose();
    }

    private readonly struct EntityAction(ForEach forEach) : IChunkAction
    {
        public void Execute(ref Chunk chunk)
        {
            var entities = chunk.EntityArray;
            for (int i = 0; i < chunk.Count; i++)
            {
                forEach(entities[i]);
            }
        }
    }

    private struct InlineEntityAction<TForEach>(TForEach forEach) : IChunkAction
        where TForEach : struct, IForEach
    {
        private TForEach forEach = forEach;

        public void Execute(ref Chunk chunk)
        {
            var entities = chunk.EntityArray;
            for (int i = 0; i < chunk.Count; i++)
            {
                forEach.Update(entities[i]);
            }
        }
    }
}
