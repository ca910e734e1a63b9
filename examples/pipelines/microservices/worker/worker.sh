# A stand-in queue worker: ready once started, then it waits for jobs.
mkdir -p /tmp && touch /tmp/ready
echo "worker: consuming queue ${QUEUE}"
while true; do sleep 3600; done
