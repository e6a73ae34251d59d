# Muster: runs the TypeScript sources directly with tsx (a runtime dependency);
# there is no build step.
FROM node:20-slim

ENV NODE_ENV=production \
    PORT=8080 \
    DATA_DIR=/app/data

WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src
COPY config ./config

# The embedded database's directory, for runs without DATABASE_URL; mount a volume here to keep it.
RUN mkdir -p /app/data && chown node:node /app/data

USER node
EXPOSE 8080

CMD ["npm", "start"]
