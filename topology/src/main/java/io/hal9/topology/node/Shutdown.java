package io.hal9.topology.node;

import java.util.concurrent.CountDownLatch;

/** Keeps a server process alive until the JVM is asked to stop, then closes its parts in order. */
public final class Shutdown {

    private Shutdown() {
    }

    /**
     * Blocks until SIGTERM or Ctrl-C, then closes {@code resources} in the given order on the calling
     * thread while the JVM's shutdown waits for it.
     */
    public static void await(AutoCloseable... resources) throws InterruptedException {
        CountDownLatch stopping = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.countDown();
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "hal9-shutdown"));
        stopping.await();
        try {
            for (AutoCloseable resource : resources) {
                try {
                    resource.close();
                } catch (Exception e) {
                    System.err.println("hal9: closing " + resource.getClass().getSimpleName() + " failed: " + e);
                }
            }
        } finally {
            closed.countDown();
        }
    }
}
