FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libgl1 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY src ./src
COPY apps ./apps
COPY configs ./configs
COPY templates ./templates
COPY manage.py ./
RUN pip install --no-cache-dir torch==2.14.1 torchvision==0.29.1 \
 && pip install --no-cache-dir -e . \
 && SAM2_BUILD_CUDA=0 pip install --no-cache-dir --no-build-isolation sam2==1.1.0
EXPOSE 8000
