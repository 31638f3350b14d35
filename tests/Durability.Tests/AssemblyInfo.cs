// Silos and redis-servers are started per test; on two cores they run one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
